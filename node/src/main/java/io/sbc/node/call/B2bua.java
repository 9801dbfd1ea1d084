package io.sbc.node.call;

import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.gateway.Flow;
import io.sbc.gateway.GatewayCommand;
import io.sbc.node.auth.TrunkAuthenticator;
import io.sbc.node.dialog.CallEvent;
import io.sbc.node.dialog.CallState;
import io.sbc.node.dialog.InFlight;
import io.sbc.node.dialog.Leg;
import io.sbc.node.dialog.Leg.Side;
import io.sbc.node.dialog.Phase;
import io.sbc.node.dialog.PersistedCall;
import io.sbc.node.dialog.PersistedCall.Established;
import io.sbc.node.dialog.SipFields;
import io.sbc.node.interop.RelayedStatus;
import io.sbc.node.interop.Trust;
import io.sbc.node.metrics.CallMetrics;
import io.sbc.node.midcall.MidcallRules;
import io.sbc.node.midcall.ReOffers;
import io.sbc.node.sessiontimer.KeepAlive;
import io.sbc.node.sessiontimer.SessionTimers;
import io.sbc.node.transaction.ClientTransaction;
import io.sbc.node.transaction.Customizer;
import io.sbc.node.transaction.Effects;
import io.sbc.node.transaction.ServerTransaction;
import io.sbc.node.transaction.SipBuilder;
import io.sbc.node.transaction.TimerKey;
import io.sbc.node.transaction.TimerKey.KeepAlivePing;
import io.sbc.node.transaction.TimerKey.Linger;
import io.sbc.node.transaction.TransactionExpiry;
import io.sbc.node.transaction.TransactionHandOff;
import io.sbc.node.transaction.TransactionLayer;
import io.sbc.node.transaction.Transactions;
import java.util.Optional;
import org.slf4j.Logger;

/**
 * The B2BUA of one call (RFC 3261 §12-17 from the SBC's two UA roles): the A-leg where the SBC is
 * UAS, the B-leg where it is UAC. Requests are answered or relayed to the other leg with the SBC's
 * own identifiers; responses are relayed back on the transaction they belong to. This class only
 * dispatches: transactions, session timers and re-offers are parts it uses, never the reverse.
 *
 * <pre>
 * phase      | message                              | what happens                        | next
 * -----------+--------------------------------------+-------------------------------------+----------
 * IDLE/ENDED | INVITE without To-tag                | 100, INVITE on B (or 483/422)       | CALLING
 * CALLING    | 1xx from B (a fork's early dialog)   | {@link ReliableProvisionals}: to A  | CALLING
 * CALLING    | request in an early dialog, PRACK    | {@link EarlyRequests}: relay/answer | CALLING
 * CALLING    | 2xx from B                           | 2xx to A once persisted, awaits ACK | CONFIRMED
 * any        | 2xx after the INVITE's transaction   | ACK again, or (another fork) ACK+BYE| same
 * CALLING    | non-2xx from B, CANCEL, timeout      | final to A (487, 408, 503, ...)     | ENDED
 * CONFIRMED  | re-INVITE/UPDATE                     | {@link ReOffers}: relay or answer   | CONFIRMED
 * CONFIRMED  | other in-dialog request, ACK         | relayed to the other leg            | CONFIRMED
 * CONFIRMED  | BYE answered; session expired; no ACK| BYE on the other leg(s)             | ENDED
 * ENDED      | retransmission                       | last response again                 | ENDED
 * IDLE/ENDED | linger timer (32 s)                  | entity passivates                   | -
 * </pre>
 */
final class B2bua {
  private final String entityId;
  private final CallServices services;
  private final CallMetrics metrics;
  private final SipBuilder build;
  private final Logger log;
  private final Effects effects;
  private final CallState call;
  private final Transactions transactions = new Transactions();
  private final TransactionLayer tx;
  private final TransactionHandOff handOff;
  private final SessionTimers sessionTimers;
  private final KeepAlive keepAlive;
  private final ReOffers reOffers;
  private final Teardown teardown;
  private final Responses responses;
  private final ReliableProvisionals provisionals;
  private final EarlyRequests early;
  private final CallActivity activity;
  private final RequestScreening screening;
  private final Outbound outbound;

  B2bua(String entityId, CallServices services, Effects effects, Logger log) {
    this.entityId = entityId;
    this.services = services;
    this.metrics = services.metrics();
    this.activity = new CallActivity(metrics);
    this.build = services.builder();
    this.log = log;
    this.effects = effects;
    this.call = new CallState(services.callIds());
    this.tx = new TransactionLayer(entityId, call, transactions, effects, build, services.gateways(),
        services.settings().timers(), metrics, log);
    this.handOff = new TransactionHandOff(transactions, effects, services.settings().timers());
    this.sessionTimers = new SessionTimers(entityId, call, transactions, tx, build, effects,
        services.sessionTimer(), metrics, log);
    this.keepAlive = new KeepAlive(entityId, call, tx, effects, services.settings().optionsPing(), metrics, log);
    this.reOffers = new ReOffers(entityId, call, transactions, tx, build, sessionTimers, services.policies(), metrics, log);
    this.teardown = new Teardown(entityId, call, tx, transactions, sessionTimers, keepAlive, effects, metrics, log);
    Trust trust = new Trust(call, services.settings().trustedPeers(), services.routes());
    this.outbound = new Outbound(entityId, services, trust, tx);
    this.provisionals = new ReliableProvisionals(entityId, call, transactions, tx, build, effects,
        services.settings().timers(), teardown, metrics, log);
    this.screening = new RequestScreening(transactions, tx, build);
    this.early = new EarlyRequests(call, transactions, tx, build, provisionals, teardown, metrics);
    this.responses = new Responses(call, transactions, tx, sessionTimers, keepAlive, teardown, provisionals, effects,
        metrics, new RelayedStatus(trust, build),
        new TrunkAuthenticator(entityId, call, tx, build, services.routes(), services.environment(), log));
  }

  /**
   * Rebuilds the call after recovery: as a hand-off left it, with its transactions in flight, or
   * the live dialog from the journal (fail-over, or an entity restarted).
   */
  void recovered(PersistedCall state) {
    InFlight handedOff = state.handedOff();
    if (handedOff != null && call.leg(Side.A) == null) {
      resume(handedOff, state instanceof Established est ? est : null);
      return;
    }
    if (state instanceof Established est && call.recover(est)) {
      log.info("call {} recovered: A {} / B {}", entityId, call.leg(Side.A).callId(), call.leg(Side.B).callId());
      call.trail().add("recovered from the journal on this node (fail-over, hand-off or restart)");
      sessionTimers.recovered(est.timerA(), est.timerB());
      keepAlive.start(sessionTimers.running());
    }
    activity.update(call.phase());
  }

  private void resume(InFlight f, Established est) {
    call.resume(f, est);
    handOff.restore(f, call.confirmed());
    if (call.confirmed() && est != null) {
      sessionTimers.recovered(est.timerA(), est.timerB());
      keepAlive.start(sessionTimers.running());
    }
    long ago = System.currentTimeMillis() - f.savedAtMillis();
    log.info("call {}: taken over from a hand-off {} ms ago ({}, {} server and {} client transaction(s) in flight)",
        entityId, ago, f.phase(), f.servers().size(), f.clients().size());
    call.trail().add("taken over from a hand-off to this node (" + f.phase() + ", " + f.clients().size()
        + " request(s) awaiting an answer)");
    effects.persist(new CallEvent.Resumed());
  }

  /** What a hand-off to another node must carry (null: nothing would be lost). */
  InFlight inFlight() {
    return handOff.inFlight(call);
  }

  /** After each message: what the journal must learn, and the linger of a call that is over. */
  Effects.Outcome finish() {
    call.dialogUpdate().ifPresent(effects::persist);
    if (call.phase() == Phase.ENDED) {
      transactions.releaseParsedRequests();
    }
    if ((call.phase() == Phase.IDLE || call.phase() == Phase.ENDED) && !effects.timerActive(new Linger())) {
      effects.startTimer(new Linger(), services.settings().linger());
    }
    activity.update(call.phase());
    return effects.drain();
  }

  /** The entity stopped (passivation, hand-off, shutdown): its call no longer counts on this node. */
  void stopped() {
    activity.stopped();
  }

  // ---- requests --------------------------------------------------------------------------

  void onRequest(SIPRequest req, Flow flow) throws Exception {
    String method = req.getMethod();
    Side side = call.sideOf(req.getCallId().getCallId());
    if (side == null) {
      if (!method.equals("ACK")) { // an ACK is never answered (RFC 3261 §17.2.1)
        tx.respondStateless(req, flow, 481, "Call/Transaction Does Not Exist");
      }
      return;
    }
    if (method.equals("ACK")) {
      onAck(req, side);
      return;
    }
    String branch = req.getTopmostVia().getBranch();
    ServerTransaction known = transactions.server(side, branch, method);
    if (known != null) {
      tx.absorb(known);
      return;
    }
    if (screening.answered(req, flow, side)) {
      return; // refused (405, 420, 501) or an out-of-dialog OPTIONS answered
    }
    if (method.equals("CANCEL")) {
      onCancel(req, flow, side, branch);
    } else if (req.getToTag() == null) {
      onInitialInvite(req, flow);
    } else {
      onInDialogRequest(req, flow, side);
    }
  }

  private void onInitialInvite(SIPRequest req, Flow flow) throws Exception {
    if (call.phase() == Phase.CALLING || call.phase() == Phase.CONFIRMED) {
      // Same Call-ID, new INVITE without To-tag while a call runs: a forked copy (§8.2.2.2).
      tx.respondStateless(req, flow, 482, "Loop Detected");
      return;
    }
    tx.clear();
    sessionTimers.callStarts();
    metrics.attempted.increment();
    ServerTransaction st = transactions.newServer(Side.A, req, flow);
    call.open(new Leg(Side.A, req.getCallId().getCallId(), SipBuilder.newTag(), req.getFromTag(),
        req.getTo().getAddress().toString(), req.getFrom().getAddress().toString(),
        SipFields.contactOf(req, req.getFrom().getAddress().getURI().toString()), SipFields.routeSet(req, false),
        0, req.getCSeq().getSeqNumber(), flow, "", "", ""));
    if (req.getMaxForwards() != null && req.getMaxForwards().getMaxForwards() <= 0) {
      tx.respond(st, 483, "Too Many Hops", null);
      teardown.endCall("too many hops", 483);
      return;
    }
    if (sessionTimers.rejectTooSmallInterval(st, req)) {
      teardown.endCall("session interval too small", 422);
      return;
    }
    Outbound.Plan out = outbound.plan(req, flow);
    if (out.identity().refusal().isPresent()) { // RFC 3323 §4.2: a critical privacy the SBC cannot give
      tx.respond(st, 500, out.identity().refusal().get(), null);
      teardown.endCall("privacy unavailable", 500);
      return;
    }
    call.routed(out.b(), out.route().name());
    call.trail().add("INVITE routed over " + out.route().name() + " to " + out.b().flow().transport() + " "
        + out.hop().host() + ":" + out.hop().port());
    tx.respond(st, 100, "Trying", null);
    call.calling();
    String branch = SipBuilder.newBranch();
    SIPRequest invite = build.initialInvite(req, out.b(), out.identity().requestUri(), out.hop(), branch);
    outbound.relayHeaders(req, invite);
    sessionTimers.addInitialRequestHeaders(invite);
    st.relayedTo(tx.sendRequest(out.b(), invite, branch, st, true).key());
    log.debug("call {}: {} -> {} via {}", entityId, req.getCallId().getCallId(), out.b().callId(), out.b().flow());
  }

  private void onInDialogRequest(SIPRequest req, Flow flow, Side side) throws Exception {
    ServerTransaction st = transactions.newServer(side, req, flow);
    if (call.phase() == Phase.CALLING || req.getMethod().equals("PRACK")) {
      early.onRequest(req, st, side); // early dialogs (RFC 3261 §12.1), PRACK (RFC 3262)
      return;
    }
    Leg from = call.leg(side);
    if (call.phase() != Phase.CONFIRMED || from == null || !req.getToTag().equals(from.localTag())
        || !from.remoteTag().equals(req.getFromTag())) {
      tx.respond(st, 481, "Call/Transaction Does Not Exist", null);
      return;
    }
    long cseq = req.getCSeq().getSeqNumber();
    if (cseq <= from.remoteCseq()) {
      tx.respond(st, 500, "Server Internal Error (CSeq out of order)", null);
      return;
    }
    String method = req.getMethod();
    call.setLeg(from.withRemoteCseq(cseq));
    if (!method.equals("BYE") && req.getMaxForwards() != null && req.getMaxForwards().getMaxForwards() <= 0) {
      tx.respond(st, 483, "Too Many Hops", null); // a loop through the SBC (RFC 7332 §3.2); a BYE still ends the call
      return;
    }
    if (method.equals("BYE")) {
      byeFrom(st, req, side);
    } else if (method.equals("INVITE") || method.equals("UPDATE")) {
      Optional<MidcallRules.Relay> relay = reOffers.onOffer(req, st, side);
      if (relay.isPresent()) {
        relay(st, req, side, relay.get().body().orElse(null), sessionTimers.requestHeaders(side.other()));
      }
    } else {
      relay(st, req, side, null, null);
    }
  }

  /**
   * A BYE cannot fail (RFC 3261 §15.1.1): the SBC answers it at once and ends the other leg with
   * its own BYE, so a peer's hang-up never waits for, or depends on, the far leg's answer (which
   * a hand-off or a lost node may lose). The BYE carries the peer's end-to-end headers (Reason).
   */
  private void byeFrom(ServerTransaction st, SIPRequest req, Side side) throws Exception {
    tx.respond(st, 200, "OK", null);
    tx.sendInDialog(side.other(), "BYE", req, null, null);
    teardown.endCall("BYE from leg " + side, 0);
  }

  /**
   * Relays a request received on {@code side} to the other leg as the SBC's own in-dialog
   * request; {@code body} (if not null) replaces the received body, {@code customize} adds headers.
   */
  private void relay(ServerTransaction st, SIPRequest req, Side side, String body, Customizer<SIPRequest> customize)
      throws Exception {
    String method = req.getMethod();
    if (method.equals("INVITE") || method.equals("UPDATE")) {
      call.setLeg(call.leg(side).withRemoteTarget(SipFields.contactOf(req, call.leg(side).remoteTarget())));
    }
    if (method.equals("INVITE")) {
      tx.respond(st, 100, "Trying", null);
    }
    ClientTransaction ct = tx.sendInDialog(side.other(), method, req, st, Customizer.both(
        body == null ? null : out -> build.replaceSdp(out, body), customize));
    st.relayedTo(ct.key());
  }

  private void onCancel(SIPRequest cancel, Flow flow, Side side, String branch) throws Exception {
    ServerTransaction invite = transactions.server(side, branch, "INVITE");
    ClientTransaction ct = invite == null ? null : transactions.client(invite.relayedTo());
    if (ct != null) {
      ct.cancelReasons(SipFields.headerValues(cancel, "Reason")); // RFC 3326: the caller's why goes on
    }
    early.onCancel(transactions.newServer(side, cancel, flow), invite);
  }

  private void onAck(SIPRequest ack, Side side) throws Exception {
    ServerTransaction nonSuccess = transactions.server(side, ack.getTopmostVia().getBranch(), "INVITE");
    if (nonSuccess != null && nonSuccess.finalStatus() >= 300) {
      tx.stopRetransmitting(nonSuccess); // timer G/H done: the ACK of a non-2xx ends it
      return;
    }
    ServerTransaction st = transactions.acked(side, ack.getCSeq().getSeqNumber());
    if (st == null) {
      return; // retransmitted or stray ACK
    }
    tx.stopRetransmitting(st);
    if (st.answeredLocally()) {
      reOffers.onLocalAnswerAck(st, ack, side);
      return;
    }
    call.setLeg(call.leg(side).withRemoteSdp(SipFields.body(ack), SipFields.contentType(ack)));
    Leg to = tx.sendable(st.ackLeg());
    tx.ack2xx(to, st.ackCseq(), st.ackInviteBranch(), ack);
    call.setLeg(call.leg(to.side()).withLocalSdp(SipFields.body(ack)));
  }

  void onResponse(SIPResponse resp) throws Exception {
    responses.onResponse(resp);
  }

  // ---- operator ----------------------------------------------------------------------------

  /** The call as an operator sees it. */
  CallView view() {
    return CallView.of(entityId, call, services.policies().policyFor(call.route()), sessionTimers::timer);
  }

  /** An operator hangs up an established call: BYE on both legs with a Reason (RFC 3326). */
  HangUpResult hangUpByOperator(String reason) throws Exception {
    return teardown.byOperator(reason);
  }

  // ---- timers and failures ---------------------------------------------------------------

  void onTimer(TimerKey key) throws Exception {
    if (key instanceof Linger) {
      if (transactions.clientsOpen()) {
        effects.startTimer(new Linger(), services.settings().linger()); // e.g. the last BYE is not answered yet
      } else if (call.phase() == Phase.IDLE || call.phase() == Phase.ENDED) {
        effects.passivate();
      }
      return;
    }
    if (key instanceof KeepAlivePing ping) {
      keepAlive.ping(ping.side());
      return;
    }
    if (key instanceof TimerKey.ProvisionalRetransmit p) {
      provisionals.retransmit(p.rseq());
      return;
    }
    TransactionExpiry expiry = tx.onTimer(key);
    if (expiry instanceof TransactionExpiry.NoResponse timedOut) {
      ClientTransaction ct = timedOut.ct();
      log.info("call {}: no final response to {} on leg {} within the transaction timeout", entityId, ct.method(), ct.side());
      responses.failClient(ct, 408, "Request Timeout");
    } else if (expiry instanceof TransactionExpiry.NoAck noAck) {
      // §13.3.1.4: a 2xx never acknowledged means the dialog is dead: hang up both legs.
      log.info("call {}: no ACK for the 2xx on leg {}; ending the call", entityId, noAck.side());
      teardown.hangUp("no ACK");
    } else if (expiry == null) {
      teardown.hangUpIf(sessionTimers.onTimer(key));
    }
  }

  void onTransportFailure(GatewayCommand.SendFailed failure) throws Exception {
    metrics.transportFailures.increment();
    ClientTransaction ct = transactions.removeClient(Effects.keyOfTag(failure.tag()));
    if (ct == null) {
      return;
    }
    tx.cancelClientTimers(ct);
    log.info("call {}: {} to {} failed: {}", entityId, ct.method(), failure.flow(), failure.reason());
    responses.failClient(ct, 503, "Service Unavailable");
  }
}
