package io.sbc.node.transaction;

import io.sbc.gateway.Flow;
import io.sbc.node.dialog.CallState;
import io.sbc.node.dialog.Leg;
import io.sbc.node.dialog.Leg.Side;
import io.sbc.node.gateways.LiveGateways;
import org.slf4j.Logger;

/**
 * Which gateway a leg's next request leaves from. A leg is anchored on the gateway its call came
 * in on; once that gateway's node is gone, the leg moves to a live one before anything is sent.
 */
final class LegHoming {
  private final String entityId;
  private final CallState call;
  private final SipBuilder build;
  private final LiveGateways gateways;
  private final Logger log;

  LegHoming(String entityId, CallState call, SipBuilder build, LiveGateways gateways, Logger log) {
    this.entityId = entityId;
    this.call = call;
    this.build = build;
    this.gateways = gateways;
    this.log = log;
  }

  /**
   * The leg, ready for a new request: when the node whose gateway anchored it is gone, the leg is
   * re-homed on this node's gateway first, so the request's Via and Contact name a live node. A
   * TCP leg then connects to the peer's remote target (its Contact), where it listens, rather
   * than to the source port of the lost connection (RFC 3261 §12.2.1.1, §18.1.1).
   */
  Leg sendable(Side side) {
    Leg leg = homed(side);
    // Behind the cluster's front every peer's datagrams come from the front: a request goes to the
    // peer's remote target instead (RFC 3261 §12.2.1.1), named to the front in X-SBC-Dst.
    return build.behindFront(leg.flow()) ? leg.withFlow(build.towardTarget(leg.flow(), leg.remoteTarget())) : leg;
  }

  private Leg homed(Side side) {
    Leg leg = call.leg(side);
    Flow flow = leg.flow();
    if (gateways.usable(flow)) {
      return leg;
    }
    Flow moved = gateways.rehome(flow);
    if (flow.transport().reliable()) {
      moved = build.towardTarget(moved, leg.remoteTarget());
    }
    log.info("call {}: leg {} re-homed from {} to this node's gateway ({} -> {})",
        entityId, side, flow.gateway().path().address(), flow, moved);
    Leg rehomed = leg.withFlow(moved);
    call.setLeg(rehomed);
    return rehomed;
  }
}
