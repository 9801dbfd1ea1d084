package io.sbc.node.transaction;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.gateway.Flow;
import io.sbc.node.config.SbcSettings.TransactionTimers;
import io.sbc.node.dialog.CallState;
import io.sbc.node.dialog.Leg;
import io.sbc.node.dialog.Leg.Side;
import io.sbc.node.dialog.SipFields;
import io.sbc.node.gateways.LiveGateways;
import io.sbc.node.metrics.CallMetrics;
import io.sbc.node.transaction.TimerKey.AckDone;
import io.sbc.node.transaction.TimerKey.ClientRetransmit;
import io.sbc.node.transaction.TimerKey.ClientTimeout;
import io.sbc.node.transaction.TimerKey.ServerDone;
import io.sbc.node.transaction.TimerKey.ServerRetransmit;
import io.sbc.node.transaction.TimerKey.ServerTimeout;
import io.sbc.protocol.SipCodec;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * The RFC 3261 §17 transactions of one call as the SBC runs them on its two legs: sending requests
 * and responses (with their retransmission and timeout timers), retransmitting, answering a
 * retransmitted request, and re-issuing an in-dialog request whose gateway died. It knows nothing
 * of what the call means: the B2BUA above it decides what to send and what a timeout means.
 */
public final class TransactionLayer {
  /** RFC 3261 §16.6 timer C: how long an INVITE may ring before the SBC gives up. */

  private final String entityId;
  private final CallState call;
  private final Transactions transactions;
  private final Effects effects;
  private final SipBuilder build;
  private final LiveGateways gateways;
  private final LegHoming homing;
  private final Late2xx late2xx;
  private final TransactionTimers timers;
  private final CallMetrics metrics;
  private final Logger log;
  private RelayedHeaders relayedHeaders = RelayedHeaders.NONE;

  public TransactionLayer(String entityId, CallState call, Transactions transactions, Effects effects,
      SipBuilder build, LiveGateways gateways, TransactionTimers timers, CallMetrics metrics, Logger log) {
    this.entityId = entityId;
    this.call = call;
    this.transactions = transactions;
    this.effects = effects;
    this.build = build;
    this.gateways = gateways;
    this.homing = new LegHoming(entityId, call, build, gateways, log);
    this.late2xx = new Late2xx(entityId, call, transactions, effects, build, this, metrics, log);
    this.timers = timers;
    this.metrics = metrics;
    this.log = log;
  }

  /** Who decides the headers that cross with relayed messages beyond the fixed set (one per call). */
  public void relayedHeaders(RelayedHeaders headers) {
    this.relayedHeaders = headers;
  }

  /** Timers B/F/H: how long a transaction may wait for its answer or ACK (64·T1). */
  public Duration timeout() {
    return timers.timeout();
  }

  // ---- server side -------------------------------------------------------------------------

  /** A retransmitted request: sends the last response again, if there is one yet. */
  public void absorb(ServerTransaction known) {
    metrics.absorbed.increment();
    if (known.lastResponse() != null) {
      effects.send(known.flow(), known.lastResponse(), null);
    }
  }

  /** Answers a request that belongs to no transaction we keep (e.g. 481 to a stray request). */
  public void respondStateless(SIPRequest req, Flow flow, int status, String reason) throws Exception {
    SIPResponse resp = build.response(req, status, reason, SipBuilder.newTag(), null, flow);
    metrics.generatedResponse(status);
    effects.send(flow, SipCodec.encode(resp), null);
  }

  public void respond(ServerTransaction st, int status, String reason, SIPResponse relayed) throws Exception {
    respond(st, status, reason, relayed, null);
  }

  /**
   * Answers a server transaction. A 2xx to an INVITE or UPDATE completes an offer/answer on the
   * leg: the request's body is what the peer established, the response's what the SBC did.
   */
  public void respond(ServerTransaction st, int status, String reason, SIPResponse relayed,
      Customizer<SIPResponse> customize) throws Exception {
    Leg own = call.leg(st.side());
    SIPRequest req = st.request();
    String toTag = own != null ? own.localTag() : SipBuilder.newTag();
    SIPResponse resp = build.response(req, status, reason, toTag, relayed, st.flow());
    String method = req.getMethod();
    relayedHeaders.response(relayed, resp, st.side());
    if (customize != null) {
      customize.accept(resp);
    }
    byte[] bytes = SipCodec.encode(resp);
    st.sent(bytes, status);
    if (relayed == null) {
      metrics.generatedResponse(status);
    }
    if (status >= 200 && call.confirmed() && req.getToTag() != null && !method.equals("BYE")) {
      effects.startTimer(new ServerDone(st.key()), timeout());
    }
    boolean offerAnswer = status >= 200 && status < 300 && (method.equals("INVITE") || method.equals("UPDATE"));
    if (offerAnswer && own != null) {
      call.setLeg(own.withRemoteSdp(SipFields.body(req), SipFields.contentType(req)).withLocalSdp(SipFields.body(resp)));
      if (req.getToTag() != null) { // a target refresh, relayed or answered here (RFC 3261 §12.2.2, RFC 6141)
        call.refreshTarget(st.side(), req.getFromTag(), SipFields.contactOf(req, null));
      }
    }
    effects.send(st.flow(), bytes, null);
    if (status >= 300 && method.equals("INVITE")) {
      if (!st.flow().transport().reliable()) {
        startServerRetransmit(st);
      }
      effects.startTimer(new ServerTimeout(st.key()), timeout());
    }
  }

  /** Sends a 2xx to an INVITE and keeps it going (UDP) until its ACK comes or timer H fires. */
  public void awaitAck(ServerTransaction st, int status, String reason, SIPResponse relayed,
      Customizer<SIPResponse> customize) throws Exception {
    transactions.awaitAck(st);
    respond(st, status, reason, relayed, customize);
    if (!st.flow().transport().reliable()) {
      startServerRetransmit(st);
    }
    effects.startTimer(new ServerTimeout(st.key()), timeout());
  }

  /** Timer G, or the next retransmission of a 2xx awaiting its ACK. */
  void retransmitResponse(ServerTransaction st) {
    if (st == null || st.lastResponse() == null) {
      return;
    }
    metrics.retransmissions.increment();
    effects.send(st.flow(), st.lastResponse(), null);
    Duration next = st.interval().multipliedBy(2);
    st.interval(next.compareTo(timers.t2()) < 0 ? next : timers.t2());
    effects.startTimer(new ServerRetransmit(st.key()), st.interval());
  }

  private void startServerRetransmit(ServerTransaction st) {
    st.interval(timers.t1());
    effects.startTimer(new ServerRetransmit(st.key()), st.interval());
  }

  /** The transaction's retransmissions are over (its ACK came, or a non-2xx was ACKed). */
  public void stopRetransmitting(ServerTransaction st) {
    effects.cancelTimer(new ServerRetransmit(st.key()));
    effects.cancelTimer(new ServerTimeout(st.key()));
  }

  // ---- client side -------------------------------------------------------------------------

  /** Sends a request on {@code leg} as a new client transaction, with its timers. */
  public ClientTransaction sendRequest(Leg leg, SIPRequest req, String branch, ServerTransaction peer, boolean initial) {
    byte[] bytes = SipCodec.encode(req);
    ClientTransaction ct = new ClientTransaction(branch, req, bytes, leg.flow(), leg.side(), peer, initial);
    transactions.add(ct);
    effects.send(leg.flow(), bytes, ct.key());
    // UDP: timer A/E; TCP: the same timer only watches the gateway of an in-dialog request
    if (!leg.flow().transport().reliable() || reissuable(ct)) {
      ct.interval(timers.t1());
      effects.startTimer(new ClientRetransmit(ct.key()), ct.interval());
    }
    effects.startTimer(new ClientTimeout(ct.key()), timeout());
    return ct;
  }

  /**
   * Sends a new in-dialog request on a leg with the leg's next CSeq and a new branch: {@code
   * source} (may be null) supplies body and end-to-end headers, {@code peer} is the server
   * transaction it relays (null: the SBC's own), {@code customize} adds to it before sending.
   */
  public ClientTransaction sendInDialog(Side side, String method, SIPMessage source, ServerTransaction peer,
      Customizer<SIPRequest> customize) throws Exception {
    Leg leg = sendable(side).withNextLocalCseq();
    call.setLeg(leg);
    String branch = SipBuilder.newBranch();
    SIPRequest req = build.inDialog(leg, method, leg.localCseq(), branch, source);
    relayedHeaders.request(source, req, side);
    if (customize != null) {
      customize.accept(req);
    }
    return sendRequest(leg, req, branch, peer, false);
  }

  /**
   * {@code ct}'s request once more as a new transaction on {@code leg}: new branch, the leg's next
   * CSeq, the leg's gateway in Via and Contact, {@code adjust} (may be null) applied to the copy.
   * The relayed server transaction and the SBC's own purpose carry over to it.
   */
  public ClientTransaction sendAgain(ClientTransaction ct, Leg leg, int retries, Customizer<SIPRequest> adjust)
      throws Exception {
    Leg next = leg.withNextLocalCseq();
    call.setLeg(next);
    String branch = SipBuilder.newBranch();
    SIPRequest again = build.reissued(ct.request(), next, next.localCseq(), branch);
    if (adjust != null) {
      adjust.accept(again);
    }
    ClientTransaction sent = sendRequest(next, again, branch, ct.peer(), ct.initialInvite());
    sent.purpose(ct.purpose());
    sent.retries(retries);
    if (ct.peer() != null) {
      ct.peer().relayedTo(sent.key());
    }
    return sent;
  }

  public void sendCancel(ClientTransaction invite) throws Exception {
    invite.cancelPending(false);
    sendRequest(call.leg(invite.side()), invite.cancelRequest(), invite.branch(), null, false);
  }

  public void sendBye(Leg leg) throws Exception {
    sendBye(leg, null);
  }

  /** A BYE on the leg (none before its dialog exists), with a {@code Reason} header when not null. */
  public void sendBye(Leg leg, String reason) throws Exception {
    if (leg == null || leg.remoteTag().isEmpty()) {
      return;
    }
    sendInDialog(leg.side(), "BYE", null, null, reason == null ? null : bye -> build.setHeader(bye, "Reason", reason));
  }

  /** §17.1.1.3: the ACK of a non-2xx is part of the INVITE transaction (same branch). */
  public void ackNon2xx(ClientTransaction invite, SIPResponse resp) {
    effects.send(invite.flow(),
        SipCodec.encode(invite.request().createAckRequest((gov.nist.javax.sip.header.To) resp.getTo())), null);
  }

  /** The ACK of a non-2xx to an INVITE transaction already gone (see {@link SipBuilder#ackOfNon2xx}). */
  public void ackUnknownNon2xx(SIPResponse resp, Leg leg) throws Exception {
    if (leg != null) {
      effects.send(leg.flow(), SipCodec.encode(build.ackOfNon2xx(resp, leg.remoteTarget())), null);
    }
  }

  /** Sends an ACK for a 2xx on {@code leg}, resent if the 2xx is retransmitted (§13.2.2.4). */
  public void ack2xx(Leg leg, long cseq, String inviteBranch, SIPRequest source) throws Exception {
    byte[] ack = SipCodec.encode(build.inDialog(leg, "ACK", cseq, SipBuilder.newBranch(), source));
    rememberAck(inviteBranch, ack);
    effects.send(leg.flow(), ack, null);
  }

  /**
   * A provisional response to an INVITE stops timer A and (re)starts timer C: a callee that
   * keeps sending 180/183 rings on; one that goes silent is cancelled (RFC 3261 §16.6 step 11).
   */
  public void provisionalReceived(ClientTransaction ct) {
    if (ct.method().equals("INVITE")) {
      effects.cancelTimer(new ClientRetransmit(ct.key()));
      effects.startTimer(new ClientTimeout(ct.key()), timers.timerC());
    }
    ct.markProvisional();
  }

  /** The final response came: the transaction is over. */
  public void completed(ClientTransaction ct) {
    transactions.removeClient(ct.key());
    cancelClientTimers(ct);
  }

  public void cancelClientTimers(ClientTransaction ct) {
    effects.cancelTimer(new ClientRetransmit(ct.key()));
    effects.cancelTimer(new ClientTimeout(ct.key()));
  }

  /**
   * Timer A/E of a client transaction: retransmits over UDP. First, for an in-dialog request,
   * checks the gateway it went out on: once that node is gone, the request is sent again as a new
   * transaction from a live gateway (see {@link #reissue}); a reliable flow is only watched for
   * that, never retransmitted.
   */
  void retransmitRequest(ClientTransaction ct) throws Exception {
    if (ct == null || (ct.provisional() && ct.method().equals("INVITE"))) {
      return;
    }
    if (reissuable(ct) && !gateways.usable(ct.flow())) {
      reissue(ct);
      return;
    }
    boolean reliable = ct.flow().transport().reliable();
    if (!reliable) {
      metrics.retransmissions.increment();
      effects.send(ct.flow(), ct.bytes(), ct.key());
    }
    Duration next = ct.interval().multipliedBy(2);
    ct.interval(ct.method().equals("INVITE") && !reliable || next.compareTo(timers.t2()) < 0 ? next : timers.t2());
    effects.startTimer(new ClientRetransmit(ct.key()), ct.interval());
  }

  /**
   * In-dialog requests of an established call (not ACK, not CANCEL): they can be sent again as a
   * new transaction on the dialog. Not an initial INVITE: a second one with another branch
   * would be a merged request to the callee (RFC 3261 §8.2.2.2); a call still being set up when
   * its gateway dies may fail, as the design allows.
   */
  private boolean reissuable(ClientTransaction ct) {
    return call.confirmed() && !ct.initialInvite() && ct.request().getToTag() != null
        && !ct.method().equals("ACK") && !ct.method().equals("CANCEL");
  }

  /**
   * The gateway that sent this request belongs to a node that died (or is cut off) before the
   * answer came: the peer answers where the Via points, the dead node, so retransmitting the same
   * bytes from elsewhere is useless. The request goes again, as a new transaction (new branch,
   * the leg's next CSeq) with the re-homed gateway's address in Via and Contact; the relayed
   * server transaction, or the SBC's own refresh, continues with it.
   */
  private void reissue(ClientTransaction ct) throws Exception {
    cancelClientTimers(ct);
    transactions.removeClient(ct.key());
    ClientTransaction next = sendAgain(ct, sendable(ct.side()), ct.retries(), null);
    metrics.requestsReissued.increment();
    log.info("call {}: {} on leg {} went out through a gateway that is gone; sent again from {} (CSeq {})",
        entityId, ct.method(), ct.side(), next.flow().localAddress().isEmpty() ? "this node" : next.flow().localAddress(),
        next.request().getCSeq().getSeqNumber());
  }

  /** The leg, re-homed on a live gateway first if the one that anchored it is gone (see {@link LegHoming}). */
  public Leg sendable(Side side) {
    return homing.sendable(side);
  }

  /**
   * A 2xx to an INVITE whose client transaction is over: a retransmission, another fork's, or
   * one a fail-over lost the transaction of (see {@link Late2xx}).
   */
  public void ackUnknown2xx(SIPResponse resp, String branch) throws Exception {
    late2xx.on(resp, branch);
  }

  /** An ACK for a 2xx, resent if the 2xx is; forgotten after the 2xx retransmission window. */
  void rememberAck(String inviteBranch, byte[] ack) {
    transactions.ackSent(inviteBranch, ack);
    if (call.confirmed()) {
      effects.startTimer(new AckDone(inviteBranch), timeout());
    }
  }

  /** Starts the call afresh: no transaction, no timer (not even the linger). */
  public void clear() {
    transactions.clear();
    effects.cancelAllTimers();
  }

  // ---- timers ------------------------------------------------------------------------------

  /** Runs a transaction timer; null when the key is not one of the transaction layer's. */
  public TransactionExpiry onTimer(TimerKey key) throws Exception {
    if (key instanceof ClientRetransmit k) {
      retransmitRequest(transactions.client(k.tx()));
    } else if (key instanceof ClientTimeout k) {
      ClientTransaction ct = transactions.removeClient(k.tx());
      if (ct != null) {
        effects.cancelTimer(new ClientRetransmit(ct.key()));
        metrics.timeouts.increment();
        return new TransactionExpiry.NoResponse(ct);
      }
    } else if (key instanceof ServerRetransmit k) {
      retransmitResponse(transactions.server(k.tx()));
    } else if (key instanceof ServerTimeout k) {
      ServerTransaction st = transactions.server(k.tx());
      if (st != null) {
        effects.cancelTimer(new ServerRetransmit(st.key()));
        if (transactions.acked(st.side(), st.cseq()) != null) {
          metrics.timeouts.increment();
          return new TransactionExpiry.NoAck(st.side());
        }
      }
    } else if (key instanceof ServerDone k) {
      ServerTransaction st = transactions.removeServer(k.tx());
      if (st != null) {
        stopRetransmitting(st);
      }
    } else if (key instanceof AckDone k) {
      transactions.forgetAck(k.inviteBranch());
    } else {
      return null;
    }
    return TransactionExpiry.HANDLED;
  }
}
