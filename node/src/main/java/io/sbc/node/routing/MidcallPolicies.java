package io.sbc.node.routing;

import io.sbc.node.policy.MidcallPolicy;
import io.sbc.node.policy.MidcallPolicyResolver;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Which midcall-signaling policy applies to a call's route, like CUBE where a dial-peer's
 * {@code voice-class sip midcall-signaling} overrides the global one. In order: a runtime
 * override of the route, the {@code midcall-policy} of the route of that name in the table in
 * force (configured or set at runtime), the runtime global value, the configured {@code
 * sbc.midcall.policy}. Everything comes from memory (the cluster-wide stores keep local copies),
 * so this is cheap enough for every re-INVITE. A call whose route is no longer in the table gets
 * the global policy.
 */
public final class MidcallPolicies implements MidcallPolicyResolver {
  private final Supplier<RouteTable> routes;
  private final MidcallPolicy configured;
  private final Function<String, Optional<MidcallPolicy>> runtimeRoute;
  private final Supplier<Optional<MidcallPolicy>> runtimeGlobal;

  public MidcallPolicies(Supplier<RouteTable> routes, MidcallPolicy configured,
      Function<String, Optional<MidcallPolicy>> runtimeRoute, Supplier<Optional<MidcallPolicy>> runtimeGlobal) {
    this.routes = routes;
    this.configured = configured;
    this.runtimeRoute = runtimeRoute;
    this.runtimeGlobal = runtimeGlobal;
  }

  @Override
  public MidcallPolicy policyFor(String route) {
    return runtimeRoute.apply(route)
        .or(() -> routes.get().named(route).flatMap(RouteTable.Route::midcallPolicy))
        .or(runtimeGlobal)
        .orElse(configured);
  }
}
