package io.sbc.node.dialog;

/** Where a call is in its life; the moves between phases are tabled in {@code call.B2bua}. */
public enum Phase {
  /** No INVITE yet (an entity woken by a stray message). */
  IDLE,
  /** The caller's INVITE went to B; no 2xx yet. */
  CALLING,
  /** Both dialogs confirmed and persisted. */
  CONFIRMED,
  /** Over: the entity only absorbs retransmissions until its linger timer passivates it. */
  ENDED
}
