package io.sbc.node.interop;

import io.sbc.gateway.Flow;
import io.sbc.node.dialog.CallState;
import io.sbc.node.dialog.Leg;
import io.sbc.node.dialog.Leg.Side;
import io.sbc.node.routing.RouteTable;
import io.sbc.node.routing.TrustedPeers;
import java.util.function.Supplier;

/**
 * Whether the peer on a leg of a call is trusted (RFC 3325 §2.3): the caller by the address its
 * messages come from, the callee by the address of the next hop or its route's {@code trusted}
 * flag. Asked per message, from the legs as they are (also after a recovery) and the route table
 * in force, so nothing about trust is persisted.
 */
public final class Trust {
  private final CallState call;
  private final TrustedPeers peers;
  private final Supplier<RouteTable> routes;

  public Trust(CallState call, TrustedPeers peers, Supplier<RouteTable> routes) {
    this.call = call;
    this.peers = peers;
    this.routes = routes;
  }

  /** The peer on {@code side} is trusted. */
  public boolean trusted(Side side) {
    Leg leg = call.leg(side);
    if (leg == null) {
      return false;
    }
    return side == Side.B ? nextHop(route(), leg.flow()) : peers.contains(leg.flow().remoteHost());
  }

  /** A call's next hop is trusted: its route says so, or its address is in a trusted network. */
  public boolean nextHop(RouteTable.Route route, Flow hop) {
    return (route != null && route.trusted()) || peers.contains(hop.remoteHost());
  }

  /** The call's route in the table in force (null when the table no longer has it). */
  public RouteTable.Route route() {
    return routes.get().named(call.route()).orElse(null);
  }
}
