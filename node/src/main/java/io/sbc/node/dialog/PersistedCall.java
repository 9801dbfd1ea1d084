package io.sbc.node.dialog;

import io.sbc.gateway.CborSerializable;
import io.sbc.node.dialog.CallEvent.CallEnded;
import io.sbc.node.dialog.CallEvent.CallEstablished;
import io.sbc.node.dialog.CallEvent.DialogUpdated;
import io.sbc.node.dialog.CallEvent.HandedOff;
import io.sbc.node.dialog.CallEvent.Resumed;
import io.sbc.node.dialog.CallEvent.SessionRefreshed;
import io.sbc.node.dialog.CallEvent.SessionTimerArmed;

/** The durable state of a call, folded from its {@link CallEvent}s (what recovery rebuilds from). */
public sealed interface PersistedCall extends CborSerializable {

  /** This state after {@code event}. */
  PersistedCall apply(CallEvent event);

  /** What the last hand-off left in flight, if the next incarnation has not taken it over yet. */
  InFlight handedOff();

  /**
   * No confirmed dialog: not established yet, or {@code ended}; {@code handedOff} (may be null):
   * a call handed off while it was being set up.
   */
  record NoCall(boolean ended, InFlight handedOff) implements PersistedCall {
    @Override
    public PersistedCall apply(CallEvent event) {
      if (event instanceof CallEstablished e) {
        return new Established(e.a(), e.b(), e.route(), e.a().remoteSdp(), e.b().remoteSdp(), e.timerA(), e.timerB(),
            null);
      } else if (event instanceof HandedOff h) {
        return new NoCall(ended, h.inFlight());
      } else if (event instanceof Resumed) {
        return new NoCall(ended, null);
      }
      return event instanceof CallEnded ? new NoCall(true, null) : this;
    }
  }

  /**
   * A confirmed call. {@code setupSdpA}/{@code setupSdpB}: what each peer established at setup
   * (for preserve-codec); {@code timerA}/{@code timerB} are null when a leg has no session timer.
   */
  record Established(
      Leg a, Leg b, String route, String setupSdpA, String setupSdpB, SessionTimer timerA, SessionTimer timerB,
      InFlight handedOff)
      implements PersistedCall {

    @Override
    public PersistedCall apply(CallEvent event) {
      if (event instanceof CallEstablished e) {
        return new NoCall(false, null).apply(e);
      } else if (event instanceof DialogUpdated e) {
        return new Established(e.a(), e.b(), route, setupSdpA, setupSdpB, timerA, timerB, handedOff);
      } else if (event instanceof HandedOff h) {
        // the legs as they were at the hand-off are newer than what the journal had of them
        InFlight f = h.inFlight();
        return new Established(f.a(), f.b(), route, setupSdpA, setupSdpB, timerA, timerB, f);
      } else if (event instanceof Resumed) {
        return new Established(a, b, route, setupSdpA, setupSdpB, timerA, timerB, null);
      } else if (event instanceof SessionTimerArmed e) {
        return withTimer(e.side(), e.timer());
      } else if (event instanceof SessionRefreshed e) {
        return withTimer(e.side(), e.timer());
      } else if (event instanceof CallEnded) {
        return new NoCall(true, null);
      }
      return this; // SessionExpired: the call's end follows as its own event
    }

    private Established withTimer(Leg.Side side, SessionTimer t) {
      return side == Leg.Side.A
          ? new Established(a, b, route, setupSdpA, setupSdpB, t, timerB, handedOff)
          : new Established(a, b, route, setupSdpA, setupSdpB, timerA, t, handedOff);
    }
  }
}
