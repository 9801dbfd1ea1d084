package io.sbc.node.routing;

import io.sbc.node.policy.MidcallPolicy;
import io.sbc.node.policy.MidcallPolicyResolver;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Which midcall-signaling policy applies to a call's route, like CUBE where a dial-peer's
 * {@code voice-class sip midcall-signaling} overrides the global one. In order: a runtime
 * override of the route, the route's configured {@code midcall-policy}, the runtime global
 * value, the configured {@code sbc.midcall.policy}. Runtime values come from memory (the
 * cluster-wide store keeps a local copy), so this is cheap enough for every re-INVITE.
 */
public final class MidcallPolicies implements MidcallPolicyResolver {
  private final RouteTable routes;
  private final MidcallPolicy configured;
  private final Function<String, Optional<MidcallPolicy>> runtimeRoute;
  private final Supplier<Optional<MidcallPolicy>> runtimeGlobal;

  public MidcallPolicies(RouteTable routes, MidcallPolicy configured,
      Function<String, Optional<MidcallPolicy>> runtimeRoute, Supplier<Optional<MidcallPolicy>> runtimeGlobal) {
    this.routes = routes;
    this.configured = configured;
    this.runtimeRoute = runtimeRoute;
    this.runtimeGlobal = runtimeGlobal;
  }

  @Override
  public MidcallPolicy policyFor(String route) {
    return runtimeRoute.apply(route)
        .or(() -> routes.named(route).flatMap(RouteTable.Route::midcallPolicy))
        .or(runtimeGlobal)
        .orElse(configured);
  }
}
