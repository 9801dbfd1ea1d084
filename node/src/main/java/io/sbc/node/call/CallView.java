package io.sbc.node.call;

import io.sbc.gateway.CborSerializable;
import io.sbc.node.dialog.CallState;
import io.sbc.node.dialog.CallTrail;
import io.sbc.node.dialog.Leg.Side;
import io.sbc.node.dialog.SessionTimer;
import io.sbc.node.policy.MidcallPolicy;
import java.util.List;

/**
 * A call as an operator sees it ({@code GET /sbc/calls/{id}}): phase, route, the policy in force,
 * both legs' dialog state with their session timers, and the decision trail. Plain values, so it
 * can travel from the node that hosts the call to the one that serves the HTTP request.
 */
public record CallView(String id, String phase, String route, String policy, Leg a, Leg b,
    List<CallTrail.Entry> trail) implements CborSerializable {

  /** One leg; {@code sessionTimer} is null without one. */
  public record Leg(String callId, String localTag, String remoteTag, String remoteTarget, long localCseq,
      long remoteCseq, String transport, String peer, String gateway, boolean sdp, Timer sessionTimer)
      implements CborSerializable {}

  /** A leg's RFC 4028 timer: interval, who refreshes, and the wall-clock deadline (epoch millis). */
  public record Timer(long intervalSeconds, String refresher, long deadlineMillis) implements CborSerializable {}

  /** What an operator sees of {@code call}; {@code timers} gives each leg's session timer (null: none). */
  static CallView of(String entityId, CallState call, MidcallPolicy policy,
      java.util.function.Function<Side, SessionTimer> timers) {
    return new CallView(entityId, call.phase().name(), call.route(), policy.keyword(),
        leg(call.leg(Side.A), timers.apply(Side.A)), leg(call.leg(Side.B), timers.apply(Side.B)), call.trail().entries());
  }

  private static Leg leg(io.sbc.node.dialog.Leg leg, SessionTimer t) {
    if (leg == null) {
      return null;
    }
    return new Leg(leg.callId(), leg.localTag(), leg.remoteTag(), leg.remoteTarget(), leg.localCseq(),
        leg.remoteCseq(), leg.flow().transport().token(), leg.flow().remoteHost() + ":" + leg.flow().remotePort(),
        leg.flow().localAddress(), !leg.remoteSdp().isEmpty() || !leg.localSdp().isEmpty(),
        t == null ? null : new Timer(t.intervalSeconds(), t.sbcRefreshes() ? "sbc" : "peer", t.deadlineMillis()));
  }

  /** The call is live on its node (set up, ringing or established), not idle or over. */
  public boolean exists() {
    return phase.equals("CALLING") || phase.equals("CONFIRMED");
  }
}
