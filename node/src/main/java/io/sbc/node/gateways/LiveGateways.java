package io.sbc.node.gateways;

import io.sbc.gateway.Flow;
import io.sbc.gateway.GatewayAddress;
import io.sbc.gateway.GatewayCommand;
import io.sbc.protocol.Transport;
import java.util.List;
import java.util.Optional;
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
 * peer expects). Once that node is gone or unreachable (it died, the call moved), the flow is
 * re-homed on this node's own gateway: over UDP from this node's socket, over TCP on a new
 * connection, and with this node's address in the Via and Contact of the requests built for it,
 * so that the peer's answers come back to a node that is alive.
 */
public interface LiveGateways {
  /** Whether {@code flow}'s gateway is on a node that can still send on it. */
  boolean usable(Flow flow);

  /** The same peer through this node's gateway (no pinned connection, this node's address). */
  Flow rehome(Flow flow);

  /**
   * A flow to {@code host:port} over {@code transport} through the gateway of {@code anchor} (a
   * call's B-leg starts on the gateway its A-leg came in on), with that gateway's address for the
   * transport: a TLS leg's Via and Contact carry the TLS port, which may differ between gateways.
   */
  default Flow toward(Flow anchor, Transport transport, String host, int port) {
    return new Flow(transport, host, port, "", anchor.gateway(), anchor.localAddress());
  }

  /** The flow to send on now: {@code flow} itself while usable, else re-homed. */
  default Flow route(Flow flow) {
    return usable(flow) ? flow : rehome(flow);
  }

  /** Every flow goes to its own gateway (a single node, tests). */
  static LiveGateways direct() {
    return new LiveGateways() {
      @Override
      public boolean usable(Flow flow) {
        return true;
      }

      @Override
      public Flow rehome(Flow flow) {
        return flow;
      }
    };
  }

  /**
   * Re-homes flows of nodes that are not reachable members of {@code system}'s cluster onto
   * {@code local}, whose advertised {@code host:port} is {@code localAddress}. A node without a
   * gateway ({@code local} null, role {@code call} only) re-homes onto a live gateway of {@code
   * directory} instead, chosen by the peer's address so one peer's legs stay together.
   */
  static LiveGateways cluster(ActorSystem<?> system, ActorRef<GatewayCommand> local, GatewayAddress localAddress,
      GatewayDirectory directory) {
    Cluster cluster = Cluster.get(system);
    return new LiveGateways() {
      @Override
      public boolean usable(Flow flow) {
        return usable(flow.gateway());
      }

      /**
       * The very gateway, not only its address: a node restarted on its old address is a new
       * incarnation whose gateway is another actor, and the old one's messages go nowhere.
       */
      private boolean usable(ActorRef<GatewayCommand> gateway) {
        Address address = gateway.path().address();
        if (address.hasLocalScope()) {
          return gateway.equals(local);
        }
        return isAvailable(cluster.state(), address) && directory.listed(gateway);
      }

      @Override
      public Flow rehome(Flow flow) {
        Optional<GatewayDirectory.Entry> successor = directory.entries().stream()
            .filter(e -> e.address().owns(flow.localAddress()) && usable(e.gateway()))
            .findFirst();
        if (successor.isPresent()) {
          // the same address, a new incarnation: the peers keep talking to the address they know
          GatewayDirectory.Entry e = successor.get();
          return on(flow, e.gateway(), e.address());
        }
        if (local != null) {
          return on(flow, local, localAddress);
        }
        List<GatewayDirectory.Entry> live =
            directory.entries().stream().filter(e -> usable(e.gateway())).toList();
        if (live.isEmpty()) {
          return flow; // no gateway left anywhere: the send fails like any other
        }
        GatewayDirectory.Entry e = live.get(Math.floorMod(flow.remoteHost().hashCode() * 31 + flow.remotePort(), live.size()));
        return on(flow, e.gateway(), e.address());
      }

      @Override
      public Flow toward(Flow anchor, Transport transport, String host, int port) {
        Optional<GatewayAddress> address = anchor.gateway() != null && anchor.gateway().equals(local)
            ? Optional.of(localAddress)
            : directory.addressOf(anchor.gateway());
        String at = address.map(a -> a.forTransport(transport)).orElse(anchor.localAddress());
        return new Flow(transport, host, port, "", anchor.gateway(), at);
      }

      private Flow on(Flow flow, ActorRef<GatewayCommand> gateway, GatewayAddress address) {
        return new Flow(flow.transport(), flow.remoteHost(), flow.remotePort(), "", gateway,
            address.forTransport(flow.transport()));
      }
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
