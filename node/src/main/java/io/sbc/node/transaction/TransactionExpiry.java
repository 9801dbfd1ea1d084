package io.sbc.node.transaction;

import io.sbc.node.dialog.Leg.Side;

/** What a transaction timer that fired means for the call above the transaction layer. */
public sealed interface TransactionExpiry {
  TransactionExpiry HANDLED = new Handled();

  /** Nothing for the call to do (a retransmission, a transaction forgotten). */
  record Handled() implements TransactionExpiry {}

  /** A client transaction got no final response in time (timer B/F/C). */
  record NoResponse(ClientTransaction ct) implements TransactionExpiry {}

  /** A 2xx to an INVITE on this leg was never acknowledged (§13.3.1.4): the dialog is dead. */
  record NoAck(Side side) implements TransactionExpiry {}
}
