package io.sbc.node.call;

import io.sbc.gateway.AdmissionControl;
import io.sbc.gateway.GatewayCommand;
import io.sbc.node.config.SbcSettings;
import io.sbc.node.config.SbcSettings.SessionTimerSettings;
import io.sbc.node.gateways.LiveGateways;
import io.sbc.node.metrics.CallMetrics;
import io.sbc.node.policy.MidcallPolicyResolver;
import io.sbc.node.routing.RouteTable;
import io.sbc.node.transaction.SipBuilder;
import io.sbc.protocol.CallIds;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Per-node collaborators every call entity on the node shares (all thread-safe). {@code routes} and
 * {@code sessionTimer} give what is in force now (they change at runtime); {@code settings} holds
 * only their configured values. {@code wake} sends a {@link CallEntity.Wake} to a call's entity
 * through sharding, wherever it lives. {@code environment} reads an environment variable (the
 * passwords of routes with credentials).
 */
public record CallServices(
    SbcSettings settings,
    Supplier<RouteTable> routes,
    Supplier<SessionTimerSettings> sessionTimer,
    SipBuilder builder,
    CallIds callIds,
    ActorRef<GatewayCommand> gateway,
    CallMetrics metrics,
    AdmissionControl admission,
    MidcallPolicyResolver policies,
    LiveGateways gateways,
    Consumer<String> wake,
    Function<String, String> environment) {

  /** With the process environment as {@code environment} (where route passwords are read). */
  public CallServices(SbcSettings settings, Supplier<RouteTable> routes, Supplier<SessionTimerSettings> sessionTimer,
      SipBuilder builder, CallIds callIds, ActorRef<GatewayCommand> gateway, CallMetrics metrics,
      AdmissionControl admission, MidcallPolicyResolver policies, LiveGateways gateways, Consumer<String> wake) {
    this(settings, routes, sessionTimer, builder, callIds, gateway, metrics, admission, policies, gateways, wake,
        System::getenv);
  }
}
