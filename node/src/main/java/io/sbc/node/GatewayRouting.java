package io.sbc.node;

import io.sbc.gateway.Flow;
import io.sbc.gateway.GatewayCommand;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.ClusterEvent.CurrentClusterState;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Which gateway sends a call's message. A flow names the gateway its message came in on; while
 * that node is a reachable member, the message goes out there (same socket or connection, as the
 * peer expects). Once that node is gone or unreachable (it died, the call moved), this node's own
 * gateway sends it: over UDP from this node's socket, over TCP on a new connection.
 */
public interface GatewayRouting {
  ActorRef<GatewayCommand> gatewayFor(Flow flow);

  /** Every flow goes to its own gateway (a single node, tests). */
  static GatewayRouting direct() {
    return Flow::gateway;
  }

  /** Re-homes flows of nodes that are not reachable members of {@code system}'s cluster. */
  static GatewayRouting cluster(ActorSystem<?> system, ActorRef<GatewayCommand> local) {
    Cluster cluster = Cluster.get(system);
    return flow -> {
      ActorRef<GatewayCommand> ref = flow.gateway();
      Address address = ref.path().address();
      if (address.hasLocalScope() || isAvailable(cluster.state(), address)) {
        return ref;
      }
      return local;
    };
  }

  private static boolean isAvailable(CurrentClusterState state, Address address) {
    for (Member m : state.getMembers()) {
      if (m.address().equals(address)) {
        MemberStatus s = m.status();
        boolean live = s == MemberStatus.up() || s == MemberStatus.weaklyUp() || s == MemberStatus.leaving();
        return live && !state.getUnreachable().contains(m);
      }
    }
    return false;
  }
}
