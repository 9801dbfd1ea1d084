package io.sbc.node.transaction;

import gov.nist.javax.sip.message.SIPRequest;
import io.sbc.node.config.SbcSettings.TransactionTimers;
import io.sbc.node.dialog.CallState;
import io.sbc.node.dialog.InFlight;
import io.sbc.node.transaction.TimerKey.AckDone;
import io.sbc.node.transaction.TimerKey.ClientRetransmit;
import io.sbc.node.transaction.TimerKey.ClientTimeout;
import io.sbc.node.transaction.TimerKey.ProvisionalRetransmit;
import io.sbc.node.transaction.TimerKey.ServerDone;
import io.sbc.node.transaction.TimerKey.ServerRetransmit;
import io.sbc.node.transaction.TimerKey.ServerTimeout;
import io.sbc.protocol.DecodeResult;
import io.sbc.protocol.SipCodec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The open transactions of a call written down for a hand-off to another node, and rebuilt there.
 * A rebuilt transaction starts its timers afresh: a request is retransmitted from T1 (the peer
 * takes a retransmission for what it is), a 2xx waiting for its ACK is resent until it comes,
 * and every transaction gets a full timeout. What the moved entity missed while sharding held
 * its messages, the peers' own retransmissions bring again.
 */
public final class TransactionHandOff {
  private final Transactions transactions;
  private final Effects effects;
  private final TransactionTimers timers;

  public TransactionHandOff(Transactions transactions, Effects effects, TransactionTimers timers) {
    this.transactions = transactions;
    this.effects = effects;
    this.timers = timers;
  }

  /** What a hand-off must carry of {@code call} (null: nothing would be lost), see {@link InFlight}. */
  public InFlight inFlight(CallState call) {
    return call.inFlight(servers(), clients(), acks());
  }

  /** The server transactions that still hold their request (the others only absorbed retransmissions). */
  private List<InFlight.Server> servers() {
    List<InFlight.Server> out = new ArrayList<>();
    for (ServerTransaction st : transactions.servers()) {
      if (st.request() == null) {
        continue;
      }
      ClientTransaction.Key relayed = st.relayedTo();
      out.add(new InFlight.Server(st.side(), st.key().branch(), st.key().method(), st.flow(),
          SipCodec.encode(st.request()), st.lastResponse(), st.finalStatus(),
          relayed == null ? null : relayed.branch(), relayed == null ? null : relayed.method(),
          st.answeredLocally(), transactions.awaitsAck(st), st.ackLeg(), st.ackCseq(), st.ackInviteBranch()));
    }
    return out;
  }

  private List<InFlight.Client> clients() {
    List<InFlight.Client> out = new ArrayList<>();
    for (ClientTransaction ct : transactions.clients()) {
      ServerTransaction peer = ct.peer();
      out.add(new InFlight.Client(ct.branch(), ct.method(), ct.side(), ct.flow(), ct.bytes(),
          peer == null ? null : peer.side(), peer == null ? null : peer.key().branch(),
          peer == null ? null : peer.key().method(), ct.initialInvite(),
          ct.purpose() == null ? null : ct.purpose().name(), ct.retries(), ct.provisional(), ct.cancelPending()));
    }
    return out;
  }

  private List<InFlight.SentAck> acks() {
    List<InFlight.SentAck> out = new ArrayList<>();
    for (Map.Entry<String, byte[]> e : transactions.acksSent().entrySet()) {
      out.add(new InFlight.SentAck(e.getKey(), e.getValue()));
    }
    return out;
  }

  /**
   * Rebuilds the transactions of {@code f} with fresh timers; {@code confirmed}: the call's dialog
   * is confirmed (answered in-dialog transactions are then forgotten after their timeout).
   */
  public void restore(InFlight f, boolean confirmed) {
    for (InFlight.Server s : f.servers()) {
      ServerTransaction st = transactions.newServer(s.side(), request(s.request()), s.flow());
      if (s.lastResponse() != null) {
        st.sent(s.lastResponse(), s.finalStatus());
      }
      if (s.relayedBranch() != null) {
        st.relayedTo(new ClientTransaction.Key(s.relayedBranch(), s.relayedMethod()));
      }
      if (s.answeredLocally()) {
        st.markAnsweredLocally();
      }
      if (s.ackLeg() != null) {
        st.expectAck(s.ackLeg(), s.ackCseq(), s.ackInviteBranch());
      }
      boolean invite = s.method().equals("INVITE");
      if (s.awaitingAck() || (invite && s.finalStatus() >= 300)) {
        if (s.awaitingAck()) {
          transactions.awaitAck(st);
        }
        if (!st.flow().transport().reliable()) {
          st.interval(timers.t1());
          effects.startTimer(new ServerRetransmit(st.key()), st.interval());
        }
        effects.startTimer(new ServerTimeout(st.key()), timers.timeout());
      } else if (st.answered() && confirmed) {
        effects.startTimer(new ServerDone(st.key()), timers.timeout());
      }
    }
    for (InFlight.Client c : f.clients()) {
      ServerTransaction peer = c.peerBranch() == null ? null
          : transactions.server(c.peerSide(), c.peerBranch(), c.peerMethod());
      ClientTransaction ct = new ClientTransaction(c.branch(), request(c.request()), c.request(), c.flow(), c.side(),
          peer, c.initialInvite());
      if (c.purpose() != null) {
        ct.purpose(ClientTransaction.Purpose.valueOf(c.purpose()));
      }
      ct.retries(c.retries());
      ct.cancelPending(c.cancelPending());
      transactions.add(ct);
      if (c.provisional()) {
        ct.markProvisional();
      }
      boolean ringing = c.provisional() && c.method().equals("INVITE");
      if (!ringing && (!c.flow().transport().reliable() || (confirmed && !c.initialInvite()))) {
        ct.interval(timers.t1());
        effects.startTimer(new ClientRetransmit(ct.key()), ct.interval());
      }
      effects.startTimer(new ClientTimeout(ct.key()), ringing ? timers.timerC() : timers.timeout());
    }
    for (InFlight.SentAck ack : f.acks()) {
      transactions.ackSent(ack.inviteBranch(), ack.ack());
      effects.startTimer(new AckDone(ack.inviteBranch()), timers.timeout());
    }
    if (f.early() != null) { // reliable provisionals to the caller: retransmitted until their PRACK
      f.early().unacked().forEach(r -> effects.startTimer(new ProvisionalRetransmit(r.rseq()), timers.t1()));
    }
  }

  private static SIPRequest request(byte[] bytes) {
    DecodeResult decoded = SipCodec.decode(bytes);
    if (decoded instanceof DecodeResult.Decoded d && d.message() instanceof SIPRequest req) {
      return req;
    }
    throw new IllegalStateException("a handed-off request does not parse: " + decoded);
  }
}
