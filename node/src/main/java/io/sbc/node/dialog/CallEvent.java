package io.sbc.node.dialog;

import io.sbc.gateway.CborSerializable;

/**
 * What the journal keeps of a call: the confirmed dialog, what changed in it that a fail-over
 * needs, and its end. Serialized with Jackson CBOR under the class name (older names are mapped
 * by {@code io.sbc.node.journal.LegacyEventNames}).
 */
public sealed interface CallEvent extends CborSerializable {

  /**
   * Both dialogs are confirmed: what a failover needs to continue the call (the legs with the
   * SDP negotiated at setup), the route it took (for per-route policy) and each leg's session
   * timer as armed at setup (null: none). One event, so a new call costs one write.
   */
  record CallEstablished(Leg a, Leg b, String route, SessionTimer timerA, SessionTimer timerB)
      implements CallEvent {}

  /** A completed offer/answer or target refresh changed what a failover needs of the legs. */
  record DialogUpdated(Leg a, Leg b) implements CallEvent {}

  /** A leg's session timer was negotiated anew in the call: interval, refresher, deadline. */
  record SessionTimerArmed(Leg.Side side, SessionTimer timer) implements CallEvent {}

  /** A leg's session was refreshed on the same terms: only the deadline moved. */
  record SessionRefreshed(Leg.Side side, SessionTimer timer) implements CallEvent {}

  /** No refresh came by a leg's deadline (RFC 4028 §10): the call is being torn down. */
  record SessionExpired(Leg.Side side) implements CallEvent {}

  record CallEnded(String reason) implements CallEvent {}

  /**
   * The entity stopped for a hand-off to another node with something in flight (see {@link
   * InFlight}); the next incarnation rebuilds from it.
   */
  record HandedOff(InFlight inFlight) implements CallEvent {}

  /** A new incarnation took over what was in flight: the journal's {@link InFlight} is spent. */
  record Resumed() implements CallEvent {}
}
