package io.sbc.node.dialog;

import io.sbc.gateway.CborSerializable;
import io.sbc.node.dialog.CallEvent.CallEnded;
import io.sbc.node.dialog.CallEvent.CallEstablished;
import io.sbc.node.dialog.CallEvent.DialogUpdated;
import io.sbc.node.dialog.CallEvent.SessionRefreshed;
import io.sbc.node.dialog.CallEvent.SessionTimerArmed;

/** The durable state of a call, folded from its {@link CallEvent}s (what recovery rebuilds from). */
public sealed interface PersistedCall extends CborSerializable {

  /** This state after {@code event}. */
  PersistedCall apply(CallEvent event);

  /** No confirmed dialog: not established yet, or {@code ended}. */
  record NoCall(boolean ended) implements PersistedCall {
    @Override
    public PersistedCall apply(CallEvent event) {
      if (event instanceof CallEstablished e) {
        return new Established(e.a(), e.b(), e.route(), e.a().remoteSdp(), e.b().remoteSdp(), e.timerA(), e.timerB());
      }
      return event instanceof CallEnded ? new NoCall(true) : this;
    }
  }

  /**
   * A confirmed call. {@code setupSdpA}/{@code setupSdpB}: what each peer established at setup
   * (for preserve-codec); {@code timerA}/{@code timerB} are null when a leg has no session timer.
   */
  record Established(
      Leg a, Leg b, String route, String setupSdpA, String setupSdpB, SessionTimer timerA, SessionTimer timerB)
      implements PersistedCall {

    @Override
    public PersistedCall apply(CallEvent event) {
      if (event instanceof CallEstablished e) {
        return new NoCall(false).apply(e);
      } else if (event instanceof DialogUpdated e) {
        return new Established(e.a(), e.b(), route, setupSdpA, setupSdpB, timerA, timerB);
      } else if (event instanceof SessionTimerArmed e) {
        return withTimer(e.side(), e.timer());
      } else if (event instanceof SessionRefreshed e) {
        return withTimer(e.side(), e.timer());
      } else if (event instanceof CallEnded) {
        return new NoCall(true);
      }
      return this; // SessionExpired: the call's end follows as its own event
    }

    private Established withTimer(Leg.Side side, SessionTimer t) {
      return side == Leg.Side.A
          ? new Established(a, b, route, setupSdpA, setupSdpB, t, timerB)
          : new Established(a, b, route, setupSdpA, setupSdpB, timerA, t);
    }
  }
}
