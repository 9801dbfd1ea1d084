package io.sbc.node.call;

import io.sbc.node.dialog.CallEvent.CallEnded;
import io.sbc.node.dialog.CallState;
import io.sbc.node.dialog.Leg.Side;
import io.sbc.node.dialog.Phase;
import io.sbc.node.metrics.CallMetrics;
import io.sbc.node.sessiontimer.KeepAlive;
import io.sbc.node.sessiontimer.SessionTimers;
import io.sbc.node.transaction.ClientTransaction;
import io.sbc.node.transaction.Effects;
import io.sbc.node.transaction.ServerTransaction;
import io.sbc.node.transaction.TransactionLayer;
import io.sbc.node.transaction.Transactions;
import java.util.Optional;
import org.slf4j.Logger;

/** How a call ends: counted once, its leg timers stopped, its end persisted if it was confirmed. */
final class Teardown {
  private final String entityId;
  private final CallState call;
  private final TransactionLayer tx;
  private final Transactions transactions;
  private final SessionTimers sessionTimers;
  private final KeepAlive keepAlive;
  private final Effects effects;
  private final CallMetrics metrics;
  private final Logger log;

  Teardown(String entityId, CallState call, TransactionLayer tx, Transactions transactions, SessionTimers sessionTimers,
      KeepAlive keepAlive, Effects effects, CallMetrics metrics, Logger log) {
    this.entityId = entityId;
    this.call = call;
    this.tx = tx;
    this.transactions = transactions;
    this.sessionTimers = sessionTimers;
    this.keepAlive = keepAlive;
    this.effects = effects;
    this.metrics = metrics;
    this.log = log;
  }

  /** BYE on both legs and the call is over, when a part said why it must end. */
  void hangUpIf(Optional<String> reason) throws Exception {
    if (reason.isPresent()) {
      hangUp(reason.get());
    }
  }

  /**
   * BYE on both legs, and the call is over. The BYEs say why in {@code Reason: SIP;cause=408;
   * text="<reason>"} (RFC 3326 §2): every end the SBC decides alone is a timeout of some kind (no
   * ACK, §13.3.1.4; no session refresh, RFC 4028 §10; a refresh or keep-alive without an answer).
   */
  void hangUp(String reason) throws Exception {
    if (call.phase() == Phase.ENDED) {
      return; // e.g. a refresh still out when the call ended failed afterwards
    }
    String why = "SIP;cause=408;text=\"" + quotable(reason) + "\"";
    tx.sendBye(call.leg(Side.A), why);
    tx.sendBye(call.leg(Side.B), why);
    endCall(reason, 0);
  }

  /**
   * An operator hangs up an established call: BYE on both legs carrying {@code Reason:
   * Q.850;cause=16;text="<text>"} (RFC 3326: normal clearing, said by the SBC). A call not
   * confirmed (ringing, or over) is left as it is.
   */
  HangUpResult byOperator(String text) throws Exception {
    String phase = call.phase().name();
    if (!call.confirmed()) {
      return new HangUpResult(false, phase);
    }
    log.info("call {}: hung up by the operator ({})", entityId, text);
    String reason = "Q.850;cause=16;text=\"" + quotable(text) + "\"";
    tx.sendBye(call.leg(Side.A), reason);
    tx.sendBye(call.leg(Side.B), reason);
    endCall("hung up by the operator: " + text, 0);
    return new HangUpResult(true, phase);
  }

  /**
   * The caller gives up a call still ringing (CANCEL, or a BYE in the early dialog), or the SBC
   * does: {@code status} to the caller's INVITE, a CANCEL to the callee once it has answered
   * provisionally (RFC 3261 §9.1: not before). The callee's 487 ends the call; a 2xx crossing
   * the CANCEL is ACKed and hung up.
   */
  void cancelSetup(ServerTransaction invite, int status, String reason) throws Exception {
    tx.respond(invite, status, reason, null);
    ClientTransaction ct = transactions.client(invite.relayedTo());
    if (ct == null) {
      return;
    }
    if (ct.provisional()) {
      tx.sendCancel(ct);
    } else {
      ct.cancelPending(true);
    }
  }

  /** Text fit for a quoted-string: no backslash, double quotes as single ones. */
  private static String quotable(String text) {
    return text.replace("\\", "").replace("\"", "'");
  }

  /** The call is over; {@code failureStatus} is the final status of a call that never connected (0: none). */
  void endCall(String reason, int failureStatus) {
    if (call.phase() == Phase.ENDED) {
      return;
    }
    if (call.confirmed()) {
      metrics.ended.increment();
    } else if (failureStatus > 0) {
      metrics.failed(failureStatus);
    }
    sessionTimers.cancelTimers();
    keepAlive.cancel();
    call.trail().add("ended: " + reason);
    if (call.end()) {
      effects.persist(new CallEnded(reason));
    }
    log.debug("call {} ended: {}", entityId, reason);
  }
}
