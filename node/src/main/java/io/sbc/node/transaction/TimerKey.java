package io.sbc.node.transaction;

import io.sbc.node.dialog.Leg.Side;

/**
 * Every timer a call runs, one record per kind (Pekko's timer scheduler takes any object as key,
 * so equal records name the same timer). RFC 3261 §17 timers belong to a transaction; the
 * RFC 4028 and keep-alive timers to a leg.
 */
public sealed interface TimerKey {
  /** Timers A/E of a client transaction (on TCP: only watches the gateway of an in-dialog request). */
  record ClientRetransmit(ClientTransaction.Key tx) implements TimerKey {}

  /** Timers B/F, or timer C (RFC 3261 §16.6) once an INVITE has had a provisional response. */
  record ClientTimeout(ClientTransaction.Key tx) implements TimerKey {}

  /** Timer G, and the retransmission of a 2xx to an INVITE until its ACK comes (§13.3.1.4). */
  record ServerRetransmit(ServerTransaction.Key tx) implements TimerKey {}

  /** Timer H, and the end of the 2xx retransmission without an ACK. */
  record ServerTimeout(ServerTransaction.Key tx) implements TimerKey {}

  /** Forget an answered in-dialog server transaction once its retransmissions are over. */
  record ServerDone(ServerTransaction.Key tx) implements TimerKey {}

  /**
   * RFC 3262 §3: the retransmission of a reliable provisional response to the caller (A-leg
   * {@code rseq}) until its PRACK comes.
   */
  record ProvisionalRetransmit(long rseq) implements TimerKey {}

  /** Forget the ACK sent for a 2xx once that 2xx can no longer be retransmitted. */
  record AckDone(String inviteBranch) implements TimerKey {}

  /** RFC 4028 §10: the leg's session expires unless refreshed by then. */
  record SessionExpire(Side side) implements TimerKey {}

  /** The SBC's own refresh of a leg it is the refresher of. */
  record SessionRefresh(Side side) implements TimerKey {}

  /** The in-dialog OPTIONS keep-alive of a leg (calls without session timers). */
  record KeepAlivePing(Side side) implements TimerKey {}

  /** How long a finished (or never started) call answers retransmissions before it stops. */
  record Linger() implements TimerKey {}
}
