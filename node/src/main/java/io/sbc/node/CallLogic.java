package io.sbc.node;

import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.gateway.Flow;
import io.sbc.gateway.GatewayCommand;
import io.sbc.node.CallEntity.CallEnded;
import io.sbc.node.CallEntity.CallEstablished;
import io.sbc.node.CallEntity.Command;
import io.sbc.node.CallEntity.DialogUpdated;
import io.sbc.node.CallEntity.Established;
import io.sbc.node.CallEntity.Event;
import io.sbc.node.CallEntity.Inbound;
import io.sbc.node.CallEntity.State;
import io.sbc.node.CallEntity.TimerFired;
import io.sbc.node.CallEntity.TransportFailed;
import io.sbc.node.Leg.Side;
import io.sbc.node.Transactions.Client;
import io.sbc.node.Transactions.Server;
import io.sbc.protocol.SipCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import javax.sip.address.SipURI;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;

/**
 * The B2BUA of one call (RFC 3261 §12-17 from the SBC's two UA roles): the A-leg where the SBC
 * is UAS, the B-leg where it is UAC. Requests are answered or relayed to the other leg with the
 * SBC's own identifiers; responses are relayed back on the transaction they belong to.
 *
 * <p>Timer keys: {@code retx:<client>} and {@code ctimeout:<client>} (timers A/E and B/F),
 * {@code sretx:<server>} and {@code stimeout:<server>} (timer G and the 2xx retransmission
 * until ACK, timer H), {@code sdone:<server>} and {@code ackdone:<branch>} (forget an
 * in-dialog transaction), {@code linger} (how long a finished call absorbs retransmissions), and
 * the mid-dialog timers of {@link MidDialog}.
 */
final class CallLogic extends CallTransactions {
  /** After a failover the last CSeqs used are unknown; jumping ahead keeps them increasing. */
  static final long CSEQ_STEP_AFTER_RECOVERY = 1000;
  /** RFC 3261 §16.6 timer C: how long an INVITE may ring before the SBC gives up. */
  static final Duration RINGING_LIMIT = Duration.ofMinutes(3);

  enum Phase { IDLE, CALLING, CONFIRMED, ENDED }

  record Outcome(List<Event> events, List<Runnable> sends, boolean passivate) {}

  private final MidDialog mid;

  Phase phase = Phase.IDLE;
  private Leg a;
  private Leg b;
  private boolean persisted;
  /** What the journal holds of the legs, to persist only real changes (DialogUpdated). */
  private Leg persistedA;
  private Leg persistedB;
  /** The route the call took and, per m-line, the codecs negotiated at setup. */
  String route = Routes.DEFAULT_ROUTE;
  private String setupSdpA = "";
  private String setupSdpB = "";
  private List<Set<String>> setupCodecs;

  List<Event> events;
  private boolean passivate;

  CallLogic(String entityId, CallServices services, TimerScheduler<Command> timers,
      ActorRef<GatewayCommand.SendFailed> failures, Logger log) {
    super(entityId, services, timers, failures, log);
    this.mid = new MidDialog(this);
  }

  @Override
  boolean confirmed() {
    return phase == Phase.CONFIRMED;
  }

  @Override
  void addSessionHeaders(Server st, SIPResponse resp) throws Exception {
    mid.addResponseTimerHeaders(st, resp);
  }

  /** Rebuilds the live dialog after recovery (failover or restart of the entity). */
  void recovered(State state) {
    if (state instanceof Established est && a == null) {
      a = est.a().withLocalCseqBumpedBy(CSEQ_STEP_AFTER_RECOVERY);
      b = est.b().withLocalCseqBumpedBy(CSEQ_STEP_AFTER_RECOVERY);
      persistedA = a;
      persistedB = b;
      route = est.route() == null ? Routes.DEFAULT_ROUTE : est.route();
      setupSdpA = est.setupSdpA() == null ? "" : est.setupSdpA();
      setupSdpB = est.setupSdpB() == null ? "" : est.setupSdpB();
      phase = Phase.CONFIRMED;
      persisted = true;
      log.info("call {} recovered: A {} / B {}", entityId, a.callId(), b.callId());
      mid.recovered(est.timerA(), est.timerB());
    }
  }

  Outcome handle(Command command) {
    events = new ArrayList<>(1);
    sends = new ArrayList<>(4);
    passivate = false;
    try {
      if (command instanceof Inbound in) {
        if (in.message() instanceof SIPRequest req) {
          onRequest(req, in.flow());
        } else {
          onResponse((SIPResponse) in.message());
        }
      } else if (command instanceof TimerFired t) {
        onTimer(t.key());
      } else if (command instanceof TransportFailed f) {
        onTransportFailure(f.failure());
      }
    } catch (Exception e) {
      // A message we cannot handle must not kill the call: log it with the call and go on.
      log.error("call {}: could not handle {}", entityId, describe(command), e);
    }
    if (phase == Phase.CONFIRMED && persisted && (a.dialogDiffers(persistedA) || b.dialogDiffers(persistedB))) {
      events.add(new DialogUpdated(a, b));
      persistedA = a;
      persistedB = b;
    }
    if (phase == Phase.ENDED) {
      releaseParsedRequests();
    }
    if (phase == Phase.IDLE || phase == Phase.ENDED) {
      if (!timers.isTimerActive("linger")) {
        timers.startSingleTimer("linger", new TimerFired("linger"), services.settings().linger());
      }
    }
    return new Outcome(events, sends, passivate);
  }

  // ---- requests --------------------------------------------------------------------------

  private void onRequest(SIPRequest req, Flow flow) throws Exception {
    String method = req.getMethod();
    Side side = sideOf(req.getCallId().getCallId());
    if (side == null) {
      if (!method.equals("ACK")) { // an ACK is never answered (RFC 3261 §17.2.1)
        respondStateless(req, flow, 481, "Call/Transaction Does Not Exist");
      }
      return;
    }
    if (method.equals("ACK")) {
      onAck(req, side);
      return;
    }
    String branch = req.getTopmostVia().getBranch();
    Server known = servers.get(Transactions.serverKey(side, branch, method));
    if (known != null) {
      services.metrics().absorbed.increment();
      if (known.lastResponse != null) {
        send(known.flow, known.lastResponse, null);
      }
      return;
    }
    if (method.equals("CANCEL")) {
      onCancel(req, flow, side, branch);
    } else if (req.getToTag() == null && method.equals("INVITE")) {
      onInitialInvite(req, flow);
    } else if (req.getToTag() == null) {
      Server st = newServer(side, req, flow);
      if (method.equals("OPTIONS")) {
        respond(st, 200, "OK", null);
      } else {
        respond(st, 405, "Method Not Allowed", null);
      }
    } else {
      onInDialogRequest(req, flow, side);
    }
  }

  private void onInitialInvite(SIPRequest req, Flow flow) throws Exception {
    if (phase == Phase.CALLING || phase == Phase.CONFIRMED) {
      // Same Call-ID, new INVITE without To-tag while a call runs: a forked copy (§8.2.2.2).
      respondStateless(req, flow, 482, "Loop Detected");
      return;
    }
    resetSoftState();
    services.metrics().attempted.increment();
    Server st = newServer(Side.A, req, flow);
    a = new Leg(Side.A, req.getCallId().getCallId(), SipBuilder.newTag(), req.getFromTag(),
        req.getTo().getAddress().toString(), req.getFrom().getAddress().toString(),
        SipFields.contactOf(req, req.getFrom().getAddress().getURI().toString()), SipFields.routeSet(req, false),
        0, req.getCSeq().getSeqNumber(), flow, "", "", "");
    if (req.getMaxForwards() != null && req.getMaxForwards().getMaxForwards() <= 0) {
      respond(st, 483, "Too Many Hops", null);
      endCall("too many hops", 483);
      return;
    }
    if (mid.rejectTooSmallInterval(st, req)) {
      endCall("session interval too small", 422);
      return;
    }
    String user = req.getRequestURI() instanceof SipURI su ? su.getUser() : null;
    String host = req.getRequestURI() instanceof SipURI su ? su.getHost() : "";
    Routes.Route selected = services.settings().routes().route(user, host);
    route = selected.name();
    Routes.NextHop hop = selected.nextHop();
    // The B-leg is anchored on the gateway the call came in on: both legs use that node's
    // address, so the call's signaling stays put when its entity moves to another node.
    Flow hopFlow = new Flow(hop.transport(), hop.host(), hop.port(), "", flow.gateway(), flow.localAddress());
    String callId = services.callIds().issue(entityId, ThreadLocalRandom.current().nextInt(1 << 30));
    String to = "<sip:" + (user == null ? "" : user + "@") + hop.host() + ":" + hop.port() + ">";
    b = new Leg(Side.B, callId, SipBuilder.newTag(), "", build.hiddenAddress(req), to,
        "sip:" + hop.host() + ":" + hop.port(), List.of(), 1, 0, hopFlow, "", "", "");
    respond(st, 100, "Trying", null);
    phase = Phase.CALLING;
    String branch = SipBuilder.newBranch();
    SIPRequest invite = build.initialInvite(req, b, hop, branch);
    mid.addRequestTimerHeaders(invite, null);
    st.relayedTo = sendRequest(b, invite, branch, st, true).key;
    log.debug("call {}: {} -> {} via {}", entityId, a.callId(), callId, hopFlow);
  }

  private void onInDialogRequest(SIPRequest req, Flow flow, Side side) throws Exception {
    Server st = newServer(side, req, flow);
    Leg from = leg(side);
    if (phase != Phase.CONFIRMED || from == null || !req.getToTag().equals(from.localTag())
        || !from.remoteTag().equals(req.getFromTag())) {
      respond(st, 481, "Call/Transaction Does Not Exist", null);
      return;
    }
    long cseq = req.getCSeq().getSeqNumber();
    if (cseq <= from.remoteCseq()) {
      respond(st, 500, "Server Internal Error (CSeq out of order)", null);
      return;
    }
    String method = req.getMethod();
    setLeg(from.withRemoteCseq(cseq));
    if (method.equals("INVITE") || method.equals("UPDATE")) {
      mid.onOffer(req, st, side);
    } else {
      relay(st, req, side, null, null);
    }
  }

  /**
   * Relays a request received on {@code side} to the other leg as the SBC's own in-dialog
   * request; {@code body} (if not null) replaces the received body, {@code customize} adds headers.
   */
  Client relay(Server st, SIPRequest req, Side side, String body, Customizer<SIPRequest> customize)
      throws Exception {
    String method = req.getMethod();
    if (method.equals("INVITE") || method.equals("UPDATE")) {
      setLeg(leg(side).withRemoteTarget(SipFields.contactOf(req, leg(side).remoteTarget())));
    }
    if (method.equals("INVITE")) {
      respond(st, 100, "Trying", null);
    }
    Client ct = sendInDialog(side.other(), method, req, st, out -> {
      if (body != null) {
        build.setSdp(out, body);
      }
      if (customize != null) {
        customize.accept(out);
      }
    });
    st.relayedTo = ct.key;
    return ct;
  }

  private void onCancel(SIPRequest cancel, Flow flow, Side side, String branch) throws Exception {
    Server cancelSt = newServer(side, cancel, flow);
    Server invite = servers.get(Transactions.serverKey(side, branch, "INVITE"));
    if (invite == null) {
      respond(cancelSt, 481, "Call/Transaction Does Not Exist", null);
      return;
    }
    respond(cancelSt, 200, "OK", null);
    if (invite.answered()) {
      return;
    }
    services.metrics().cancelled.increment();
    respond(invite, 487, "Request Terminated", null);
    Client ct = invite.relayedTo == null ? null : clients.get(invite.relayedTo);
    if (ct == null) {
      return;
    }
    if (ct.provisional) {
      sendCancel(ct);
    } else {
      ct.cancelPending = true; // §9.1: no CANCEL before a provisional response
    }
  }

  private void onAck(SIPRequest ack, Side side) throws Exception {
    Server nonSuccess = servers.get(
        Transactions.serverKey(side, ack.getTopmostVia().getBranch(), "INVITE"));
    if (nonSuccess != null && nonSuccess.finalStatus >= 300) {
      cancelServerTimers(nonSuccess); // timer G/H done: the ACK of a non-2xx ends it
      return;
    }
    Server st = awaitingAck.remove(side + "|" + ack.getCSeq().getSeqNumber());
    if (st == null) {
      return; // retransmitted or stray ACK
    }
    cancelServerTimers(st);
    if (st.localAnswer) {
      mid.onLocalAnswerAck(st, ack, side);
      return;
    }
    Leg from = leg(side).withRemoteSdp(SipFields.body(ack), SipFields.contentType(ack));
    setLeg(from);
    Leg to = sendable(st.ackLeg);
    SIPRequest out = build.inDialog(to, "ACK", st.ackCseq, SipBuilder.newBranch(), ack);
    setLeg(to.withLocalSdp(SipFields.body(ack)));
    byte[] bytes = SipCodec.encode(out);
    rememberAck(st.ackInviteBranch, bytes);
    send(to.flow(), bytes, null);
  }

  // ---- responses -------------------------------------------------------------------------

  private void onResponse(SIPResponse resp) throws Exception {
    String branch = resp.getTopmostVia().getBranch();
    String method = resp.getCSeq().getMethod();
    int status = resp.getStatusCode();
    Client ct = clients.get(Transactions.clientKey(branch, method));
    if (ct == null) {
      if (status >= 200 && status < 300 && method.equals("INVITE")) {
        ackUnknown2xx(resp, branch);
      }
      return;
    }
    if (status < 200) {
      onProvisional(ct, resp);
      return;
    }
    clients.remove(ct.key);
    cancelClientTimers(ct);
    if (method.equals("CANCEL")) {
      return;
    }
    if (method.equals("INVITE") && status < 300) {
      onInvite2xx(ct, resp);
      return;
    }
    if (method.equals("INVITE")) {
      // §17.1.1.3: the ACK of a non-2xx is part of the INVITE transaction (same branch).
      send(ct.flow, SipCodec.encode(ct.request.createAckRequest((gov.nist.javax.sip.header.To) resp.getTo())), null);
    }
    if (status == 422 && mid.retryAfter422(ct, resp)) {
      return; // the far end wants a longer session interval: asked again, nothing to relay
    }
    if (status < 300 && method.equals("UPDATE")) {
      mid.onClient2xx(ct, resp);
    } else if (status >= 300 && ct.own != null) {
      mid.onOwnRequestRejected(ct, resp);
    }
    relayFinal(ct, resp);
    if (ct.initialInvite) {
      endCall("rejected " + status, status);
    } else if (method.equals("BYE")) {
      endCall("bye", 0);
    }
  }

  private void onProvisional(Client ct, SIPResponse resp) throws Exception {
    if (!ct.provisional && ct.method.equals("INVITE")) {
      timers.cancel("retx:" + ct.key);
      timers.startSingleTimer("ctimeout:" + ct.key, new TimerFired("ctimeout:" + ct.key), RINGING_LIMIT);
    }
    ct.provisional = true;
    if (ct.cancelPending) {
      sendCancel(ct);
      return;
    }
    int status = resp.getStatusCode();
    if (status == 100 || ct.peer == null || ct.peer.answered() || !ct.method.equals("INVITE")) {
      return;
    }
    if (ct.initialInvite && resp.getToTag() != null) {
      b = b.withRemoteDialog(resp.getToTag(), SipFields.contactOf(resp, b.remoteTarget()), SipFields.routeSet(resp, true))
          .withRemoteSdp(SipFields.body(resp), SipFields.contentType(resp));
    }
    respond(ct.peer, status, resp.getReasonPhrase(), resp);
  }

  private void onInvite2xx(Client ct, SIPResponse resp) throws Exception {
    Leg leg = leg(ct.side);
    if (ct.initialInvite) {
      leg = leg.withRemoteDialog(resp.getToTag(), SipFields.contactOf(resp, leg.remoteTarget()), SipFields.routeSet(resp, true));
    } else {
      leg = leg.withRemoteTarget(SipFields.contactOf(resp, leg.remoteTarget()));
    }
    setLeg(leg.withLocalSdp(SipFields.body(ct.request)).withRemoteSdp(SipFields.body(resp), SipFields.contentType(resp)));
    leg = sendable(ct.side);
    Server st = ct.peer;
    if (st == null || st.answered()) {
      // Our own refresh, or nobody waits for this answer (the caller cancelled): confirm it,
      // and hang up a leg the caller no longer wants.
      byte[] ack = SipCodec.encode(build.inDialog(leg, "ACK", ct.request.getCSeq().getSeqNumber(), SipBuilder.newBranch(), null));
      rememberAck(ct.branch, ack);
      send(leg.flow(), ack, null);
      if (ct.initialInvite) {
        sendBye(leg);
      } else if (st == null && phase == Phase.CONFIRMED) {
        mid.onClient2xx(ct, resp);
      }
      return;
    }
    st.ackLeg = ct.side;
    st.ackCseq = ct.request.getCSeq().getSeqNumber();
    st.ackInviteBranch = ct.branch;
    if (ct.initialInvite) {
      phase = Phase.CONFIRMED;
      persisted = true;
      Customizer<SIPResponse> timerHeaders = mid.established(st.request, ct, resp);
      awaitAck(st, resp.getStatusCode(), resp.getReasonPhrase(), resp, timerHeaders);
      setupSdpA = a.remoteSdp();
      setupSdpB = b.remoteSdp();
      Map<Side, SessionTimer> armed = mid.armEstablished();
      events.add(new CallEstablished(a, b, route, armed.get(Side.A), armed.get(Side.B)));
      persistedA = a;
      persistedB = b;
      services.metrics().established.increment();
      return;
    }
    mid.onClient2xx(ct, resp);
    awaitAck(st, resp.getStatusCode(), resp.getReasonPhrase(), resp, null);
  }


  private void relayFinal(Client ct, SIPResponse resp) throws Exception {
    if (ct.peer != null && !ct.peer.answered()) {
      int status = resp.getStatusCode();
      respond(ct.peer, status, resp.getReasonPhrase(), resp);
    }
  }

  // ---- timers and failures ---------------------------------------------------------------

  private void onTimer(String key) throws Exception {
    if (key.equals("linger")) {
      if (phase == Phase.IDLE || phase == Phase.ENDED) {
        passivate = true;
      }
      return;
    }
    int colon = key.indexOf(':');
    String kind = key.substring(0, colon);
    String id = key.substring(colon + 1);
    switch (kind) {
      case "retx" -> retransmitRequest(clients.get(id));
      case "ctimeout" -> clientTimeout(clients.remove(id));
      case "sretx" -> retransmitResponse(servers.get(id));
      case "stimeout" -> serverTimeout(servers.get(id));
      case "sdone" -> forgetServer(servers.remove(id));
      case "ackdone" -> acksSent.remove(id);
      default -> {
        if (!mid.onTimer(kind, id)) {
          log.warn("call {}: unknown timer {}", entityId, key);
        }
      }
    }
  }


  private void clientTimeout(Client ct) throws Exception {
    if (ct == null) {
      return;
    }
    timers.cancel("retx:" + ct.key);
    services.metrics().timeouts.increment();
    log.info("call {}: no final response to {} on leg {} within the transaction timeout", entityId, ct.method, ct.side);
    failClient(ct, 408, "Request Timeout");
  }

  private void onTransportFailure(GatewayCommand.SendFailed failure) throws Exception {
    services.metrics().transportFailures.increment();
    Client ct = failure.tag() == null ? null : clients.remove(failure.tag());
    if (ct == null) {
      return;
    }
    cancelClientTimers(ct);
    log.info("call {}: {} to {} failed: {}", entityId, ct.method, failure.flow(), failure.reason());
    failClient(ct, 503, "Service Unavailable");
  }

  /** A client transaction ended without a response: answer its peer as §16.7 / §17 say. */
  private void failClient(Client ct, int status, String reason) throws Exception {
    if (ct.method.equals("CANCEL") || ct.method.equals("ACK")) {
      return;
    }
    if (ct.peer != null && !ct.peer.answered()) {
      respond(ct.peer, status, reason, null);
    }
    if (ct.own != null) {
      mid.onOwnRequestFailed(ct, status);
    }
    if (ct.initialInvite) {
      if (ct.provisional) {
        sendCancel(ct);
      }
      endCall("no answer from next hop (" + status + ")", status);
    } else if (ct.method.equals("BYE")) {
      endCall("bye unanswered", 0);
    }
  }


  private void serverTimeout(Server st) throws Exception {
    if (st == null) {
      return;
    }
    timers.cancel("sretx:" + st.key);
    if (awaitingAck.remove(st.side + "|" + st.cseq) != null) {
      // §13.3.1.4: a 2xx never acknowledged means the dialog is dead: hang up both legs.
      services.metrics().timeouts.increment();
      log.info("call {}: no ACK for the 2xx on leg {}; ending the call", entityId, st.side);
      sendBye(a);
      sendBye(b);
      endCall("no ACK", 0);
    }
  }

  // ---- sending ---------------------------------------------------------------------------













  // ---- call lifecycle --------------------------------------------------------------------

  void endCall(String reason, int failureStatus) {
    if (phase == Phase.ENDED) {
      return;
    }
    if (phase == Phase.CONFIRMED) {
      services.metrics().ended.increment();
    } else if (failureStatus > 0) {
      services.metrics().failed(failureStatus);
    }
    phase = Phase.ENDED;
    mid.cancelTimers();
    if (persisted) {
      events.add(new CallEnded(reason));
      persisted = false;
    }
    log.debug("call {} ended: {}", entityId, reason);
  }


  private void resetSoftState() {
    clearTransactions();
    a = null;
    b = null;
  }

  // ---- helpers ---------------------------------------------------------------------------

  @Override
  Side sideOf(String callId) {
    if (a == null || a.callId().equals(callId)) {
      return a == null && services.callIds().issuedEntityId(callId).isPresent() ? null : Side.A;
    }
    return b != null && b.callId().equals(callId) ? Side.B : null;
  }

  /** Per m-line, the codecs negotiated at setup; parsed only when a policy needs them. */
  List<Set<String>> setupCodecs() {
    if (setupCodecs == null) {
      setupCodecs = MidDialog.negotiatedCodecs(setupSdpA, setupSdpB);
    }
    return setupCodecs;
  }

  @Override
  Leg leg(Side side) {
    return side == Side.A ? a : b;
  }

  @Override
  void setLeg(Leg leg) {
    if (leg.side() == Side.A) {
      a = leg;
    } else {
      b = leg;
    }
  }


  private static String describe(Command command) {
    if (command instanceof Inbound in) {
      return in.message().getFirstLine().trim() + " from " + in.flow();
    }
    return command.toString();
  }
}
