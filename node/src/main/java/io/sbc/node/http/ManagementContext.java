package io.sbc.node.http;

import io.sbc.gateway.AdmissionControl;
import io.sbc.node.call.CallEntity;
import io.sbc.node.config.SbcSettings;
import io.sbc.node.policy.MidcallPolicyResolver;
import io.sbc.node.policy.PolicyStore;
import io.sbc.node.routing.RouteStore;
import io.sbc.node.sessiontimer.SessionTimerStore;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;

/**
 * What the management routes and health checks of one node work on. Pekko Management creates
 * those from configuration, so the node hands them its parts here ({@link #bind}) before the
 * HTTP server starts; one instance per actor system, no statics.
 */
public final class ManagementContext implements Extension {
  private static final Id ID = new Id();

  /** The node's parts the routes use. */
  public record Parts(ActorSystem<?> system, SbcSettings settings, PolicyStore policyStore, RouteStore routeStore,
      SessionTimerStore sessionTimerStore, MidcallPolicyResolver resolver, AdmissionControl admission,
      ActorRef<ShardingEnvelope<CallEntity.Command>> calls) {}

  private volatile Parts parts;
  private volatile boolean sipListening;

  public static ManagementContext get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  public static ManagementContext get(org.apache.pekko.actor.ActorSystem classic) {
    return get(org.apache.pekko.actor.typed.javadsl.Adapter.toTyped(classic));
  }

  /** Hands the routes the node's parts and starts this node's part of the cluster-wide call listing. */
  public void bind(Parts nodeParts) {
    parts = nodeParts;
    CallDirectory.start(nodeParts.system());
  }

  /** The node's parts; null until the node has started them. */
  public Parts parts() {
    return parts;
  }

  /** The SIP listeners are bound (or this node has none: role {@code call} only). */
  public void sipListening() {
    sipListening = true;
  }

  public boolean isSipListening() {
    return sipListening;
  }

  private static final class Id extends ExtensionId<ManagementContext> {
    @Override
    public ManagementContext createExtension(ActorSystem<?> system) {
      return new ManagementContext();
    }
  }
}
