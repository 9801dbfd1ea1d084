package io.sbc.node.call;

import io.sbc.gateway.CborSerializable;
import io.sbc.node.dialog.CallTrail;
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

  /** The call is live on its node (set up, ringing or established), not idle or over. */
  public boolean exists() {
    return phase.equals("CALLING") || phase.equals("CONFIRMED");
  }
}
