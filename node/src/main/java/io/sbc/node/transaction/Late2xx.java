package io.sbc.node.transaction;

import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.node.dialog.CallState;
import io.sbc.node.dialog.Leg;
import io.sbc.node.dialog.Leg.Side;
import io.sbc.node.dialog.SipFields;
import io.sbc.node.metrics.CallMetrics;
import io.sbc.protocol.SipCodec;
import org.slf4j.Logger;

/**
 * A 2xx to an INVITE that arrives after the INVITE's client transaction is over (the first 2xx
 * ends it). RFC 3261 §13.2.2.4: the UAC acknowledges every 2xx, each retransmission included,
 * and a 2xx of another fork creates a dialog of its own. So:
 * <ul>
 *   <li>a retransmission whose ACK was sent gets the same ACK again (same bytes, same body);</li>
 *   <li>a retransmission whose ACK is not sent yet, because the 2xx was relayed and the other
 *       peer's ACK has not come, is absorbed: that ACK may carry the answer to an offer in the 2xx
 *       (a delayed offer, RFC 3264 §5 / RFC 6337 §3.1.2), so an ACK without it must not go first;</li>
 *   <li>the 2xx of another fork of the B-leg INVITE (another To-tag) is ACKed and that dialog is
 *       ended with a BYE, on its own dialog: its tag, its Contact, its Record-Route. Once only:
 *       its retransmissions get the same ACK and no second BYE;</li>
 *   <li>otherwise, the transaction was lost in a fail-over (a re-INVITE relayed by a node that
 *       died): a new ACK, and the sender's retransmission of the request starts the exchange again.</li>
 * </ul>
 */
final class Late2xx {
  private final String entityId;
  private final CallState call;
  private final Transactions transactions;
  private final Effects effects;
  private final SipBuilder build;
  private final TransactionLayer tx;
  private final CallMetrics metrics;
  private final Logger log;

  Late2xx(String entityId, CallState call, Transactions transactions, Effects effects, SipBuilder build,
      TransactionLayer tx, CallMetrics metrics, Logger log) {
    this.entityId = entityId;
    this.call = call;
    this.transactions = transactions;
    this.effects = effects;
    this.build = build;
    this.tx = tx;
    this.metrics = metrics;
    this.log = log;
  }

  void on(SIPResponse resp, String branch) throws Exception {
    Side side = call.sideOf(resp.getCallId().getCallId());
    Leg leg = side == null ? null : call.leg(side);
    if (leg == null) {
      return;
    }
    String toTag = resp.getToTag() == null ? "" : resp.getToTag();
    boolean otherFork = !toTag.equals(leg.remoteTag());
    // The ACKs sent are kept by INVITE branch; a losing fork's under its own key beside the winner's.
    String key = otherFork ? branch + ";tag=" + toTag : branch;
    byte[] ack = transactions.ackSent(key);
    if (ack != null) {
      effects.send(leg.flow(), ack, null);
      return;
    }
    if (otherFork) {
      if (side == Side.B && branch.equals(call.early().inviteBranch()) && !toTag.isEmpty()) {
        ackAndHangUp(resp, key);
      }
      return; // a 2xx of no dialog of ours
    }
    if (transactions.awaitingAckToRelay(side, branch) != null) {
      metrics.absorbed.increment();
      return;
    }
    if (!call.confirmed()) {
      return;
    }
    leg = tx.sendable(side);
    ack = SipCodec.encode(build.inDialog(leg, "ACK", resp.getCSeq().getSeqNumber(), SipBuilder.newBranch(), null));
    tx.rememberAck(branch, ack);
    log.info("call {}: ACKed a 2xx (CSeq {}) of a transaction this incarnation does not know", entityId,
        resp.getCSeq().getSeqNumber());
    effects.send(leg.flow(), ack, null);
  }

  /** A second fork answered: ACK its 2xx and end its dialog (the caller keeps the first). */
  private void ackAndHangUp(SIPResponse resp, String key) throws Exception {
    Leg b = tx.sendable(Side.B).withNextLocalCseq();
    call.setLeg(b);
    Leg fork = b.withRemoteDialog(resp.getToTag(), SipFields.contactOf(resp, b.remoteTarget()),
        SipFields.routeSet(resp, true));
    byte[] ack = SipCodec.encode(build.inDialog(fork, "ACK", resp.getCSeq().getSeqNumber(), SipBuilder.newBranch(), null));
    tx.rememberAck(key, ack);
    effects.send(fork.flow(), ack, null);
    String branch = SipBuilder.newBranch();
    SIPRequest bye = build.inDialog(fork, "BYE", fork.localCseq(), branch, null);
    tx.sendRequest(fork, bye, branch, null, false).purpose(ClientTransaction.Purpose.LOSING_FORK);
    log.info("call {}: a second fork (tag {}) answered 2xx after tag {}: ACKed and hung up", entityId,
        resp.getToTag(), call.leg(Side.B).remoteTag());
    call.trail().add("2xx from another fork (tag " + resp.getToTag() + ") after the first: ACKed and hung up");
  }
}
