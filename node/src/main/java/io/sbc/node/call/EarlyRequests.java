package io.sbc.node.call;

import gov.nist.javax.sip.message.SIPRequest;
import io.sbc.node.dialog.CallState;
import io.sbc.node.dialog.EarlyDialogs.Fork;
import io.sbc.node.dialog.Leg;
import io.sbc.node.dialog.Leg.Side;
import io.sbc.node.dialog.Phase;
import io.sbc.node.metrics.CallMetrics;
import io.sbc.node.transaction.ServerTransaction;
import io.sbc.node.transaction.SipBuilder;
import io.sbc.node.transaction.TransactionLayer;
import io.sbc.node.transaction.Transactions;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Requests inside the early dialogs of a call being set up (RFC 3261 §12.1, §15), and PRACKs
 * (RFC 3262) whenever they come. The caller has one early dialog with the SBC (the A-leg's To-tag);
 * the callee one per fork (its To-tags). Nothing here is a 481 for a dialog that exists:
 * <pre>
 * from      | request              | what happens
 * ----------+----------------------+-------------------------------------------------------------
 * caller    | CANCEL (no dialog)   | 200, 487 to its INVITE, CANCEL to the callee (§9.2)
 * caller    | BYE                  | the same as a CANCEL, with 200 to the BYE (§15)
 * caller    | PRACK                | {@link ReliableProvisionals} (RAck mapped, or answered here)
 * caller    | INVITE               | 500 + Retry-After: its first INVITE is unanswered (§14.2)
 * callee    | BYE                  | 200, that fork's early dialog is over (the others ring on)
 * callee    | PRACK                | 481: the SBC sends the callee no reliable provisionals
 * callee    | INVITE               | 491: the SBC's INVITE to it is in progress (§14.2)
 * either    | UPDATE, INFO, others | relayed to the other peer's early dialog, answer relayed back
 * </pre>
 * An early UPDATE (RFC 3311 §5.1) is relayed whatever the midcall-signaling policy: offer and
 * answer of the setup belong to the two peers (RFC 6337), and the policy governs confirmed calls.
 */
final class EarlyRequests {
  private final CallState call;
  private final Transactions transactions;
  private final TransactionLayer tx;
  private final SipBuilder build;
  private final ReliableProvisionals reliable;
  private final Teardown teardown;
  private final CallMetrics metrics;

  EarlyRequests(CallState call, Transactions transactions, TransactionLayer tx, SipBuilder build,
      ReliableProvisionals reliable, Teardown teardown, CallMetrics metrics) {
    this.call = call;
    this.transactions = transactions;
    this.tx = tx;
    this.build = build;
    this.reliable = reliable;
    this.teardown = teardown;
    this.metrics = metrics;
  }

  /** A request with a To-tag while the call rings, or a PRACK in any phase. */
  void onRequest(SIPRequest req, ServerTransaction st, Side side) throws Exception {
    long cseq = req.getCSeq().getSeqNumber();
    Leg leg = call.leg(side);
    boolean ringing = call.phase() == Phase.CALLING;
    Fork fork = side == Side.B && ringing ? call.early().fork(req.getFromTag()) : null;
    boolean inDialog = leg != null && req.getToTag().equals(leg.localTag())
        && (fork != null || leg.remoteTag().equals(req.getFromTag()));
    if (!inDialog || !(ringing || call.confirmed())) {
      tx.respond(st, 481, "Call/Transaction Does Not Exist", null);
      return;
    }
    long last = fork != null ? fork.remoteCseq() : leg.remoteCseq();
    if (cseq <= last) {
      tx.respond(st, 500, "Server Internal Error (CSeq out of order)", null);
      return;
    }
    if (fork != null) {
      call.early().remoteCseq(fork.tag(), cseq);
    } else {
      call.setLeg(leg.withRemoteCseq(cseq));
    }
    String method = req.getMethod();
    if (method.equals("PRACK")) {
      if (side == Side.A) {
        reliable.onPrack(st, req);
      } else {
        tx.respond(st, 481, "Call/Transaction Does Not Exist", null);
      }
    } else if (method.equals("BYE")) {
      bye(st, side, req.getFromTag());
    } else if (method.equals("INVITE") && side == Side.A) {
      tx.respond(st, 500, "Server Internal Error", null,
          r -> build.setHeader(r, "Retry-After", Integer.toString(ThreadLocalRandom.current().nextInt(0, 11))));
    } else if (method.equals("INVITE")) {
      tx.respond(st, 491, "Request Pending", null);
    } else {
      relay(req, st, side);
    }
  }

  /** A CANCEL (§9.2) of the INVITE {@code invite} (null: no such transaction): 200, and 487 to that INVITE. */
  void onCancel(ServerTransaction cancel, ServerTransaction invite) throws Exception {
    if (invite == null) {
      tx.respond(cancel, 481, "Call/Transaction Does Not Exist", null);
      return;
    }
    tx.respond(cancel, 200, "OK", null);
    if (!invite.answered()) {
      metrics.cancelled.increment();
      teardown.cancelSetup(invite, 487, "Request Terminated");
    }
  }

  private void bye(ServerTransaction st, Side side, String fromTag) throws Exception {
    tx.respond(st, 200, "OK", null);
    if (side == Side.B) {
      call.early().forget(fromTag);
      call.trail().add("the callee's fork " + fromTag + " ended its early dialog with a BYE");
      return;
    }
    ServerTransaction invite = transactions.unansweredInitialInvite(Side.A);
    if (invite != null) {
      metrics.cancelled.increment();
      call.trail().add("BYE from the caller in the early dialog: 487, the callee cancelled");
      teardown.cancelSetup(invite, 487, "Request Terminated");
    }
  }

  /**
   * To the other peer's early dialog (the callee's: the fork that last sent an 18x); a 2xx to an
   * UPDATE refreshes the sender's target then (see {@code TransactionLayer#respond}).
   */
  private void relay(SIPRequest req, ServerTransaction st, Side side) throws Exception {
    if (call.leg(side.other()).remoteTag().isEmpty()) {
      tx.respond(st, 481, "Call/Transaction Does Not Exist (no early dialog with the callee yet)", null);
      return;
    }
    st.relayedTo(tx.sendInDialog(side.other(), req.getMethod(), req, st, null).key());
  }
}
