package io.sbc.node;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.gateway.Flow;
import io.sbc.gateway.GatewayCommand;
import io.sbc.node.CallEntity.Command;
import io.sbc.node.CallEntity.TimerFired;
import io.sbc.node.Leg.Side;
import io.sbc.node.Transactions.Client;
import io.sbc.node.Transactions.Server;
import io.sbc.protocol.SipCodec;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;

/**
 * The RFC 3261 §17 transaction mechanics of one call, under the B2BUA logic of {@link
 * CallLogic}: the transactions it keeps, sending (with retransmission and timeout timers),
 * retransmitting, and the outbound queue that the entity flushes after each message.
 */
abstract class CallTransactions {
  final String entityId;
  final CallServices services;
  final SipBuilder build;
  final TimerScheduler<Command> timers;
  private final ActorRef<GatewayCommand.SendFailed> failures;
  final Logger log;

  final Map<String, Server> servers = new HashMap<>();
  final Map<String, Client> clients = new HashMap<>();
  /** ACKs sent for 2xx responses, by INVITE branch: resent when the 2xx is retransmitted. */
  final Map<String, byte[]> acksSent = new HashMap<>();
  /** Server transactions whose 2xx awaits the ACK, by side and CSeq number. */
  final Map<String, Server> awaitingAck = new HashMap<>();
  /** What this message's handling sends; run by the entity (after persisting, if needed). */
  List<Runnable> sends;

  CallTransactions(String entityId, CallServices services, TimerScheduler<Command> timers,
      ActorRef<GatewayCommand.SendFailed> failures, Logger log) {
    this.entityId = entityId;
    this.services = services;
    this.build = services.builder();
    this.timers = timers;
    this.failures = failures;
    this.log = log;
  }

  /** Adds to a message before it is encoded (headers, a body). */
  @FunctionalInterface
  interface Customizer<T> {
    void accept(T message) throws Exception;
  }

  /** Whether the call is established: in-dialog transactions are then forgotten after use. */
  abstract boolean confirmed();

  /**
   * Timer A/E of a client transaction: retransmits over UDP. First, for an in-dialog request,
   * checks the gateway it went out on: once that node is gone, the request is sent again as a new
   * transaction from a live gateway (see {@link #reissue}); a reliable flow is only watched for
   * that, never retransmitted.
   */
  void retransmitRequest(Client ct) throws Exception {
    if (ct == null || (ct.provisional && ct.method.equals("INVITE"))) {
      return;
    }
    if (reissuable(ct) && !services.gateways().usable(ct.flow)) {
      reissue(ct);
      return;
    }
    boolean reliable = ct.flow.transport().reliable();
    if (!reliable) {
      services.metrics().retransmissions.increment();
      send(ct.flow, ct.bytes, ct.key);
    }
    Duration next = ct.interval.multipliedBy(2);
    Duration t2 = services.settings().timers().t2();
    ct.interval = ct.method.equals("INVITE") && !reliable || next.compareTo(t2) < 0 ? next : t2;
    timers.startSingleTimer("retx:" + ct.key, new TimerFired("retx:" + ct.key), ct.interval);
  }

  /**
   * In-dialog requests of an established call (not ACK, not CANCEL): they can be sent again as a
   * new transaction on the dialog. Not an initial INVITE: a second one with another branch
   * would be a merged request to the callee (RFC 3261 §8.2.2.2); a call still being set up when
   * its gateway dies may fail, as the design allows.
   */
  private boolean reissuable(Client ct) {
    return confirmed() && !ct.initialInvite && ct.request.getToTag() != null
        && !ct.method.equals("ACK") && !ct.method.equals("CANCEL");
  }

  /**
   * The gateway that sent this request belongs to a node that died (or is cut off) before the
   * answer came: the peer answers where the Via points, the dead node, so retransmitting the same
   * bytes from elsewhere is useless. The request goes again, as a new transaction (new branch,
   * the leg's next CSeq) with the re-homed gateway's address in Via and Contact; the relayed
   * server transaction, or the SBC's own refresh, continues with it.
   */
  private void reissue(Client ct) throws Exception {
    cancelClientTimers(ct);
    clients.remove(ct.key);
    Client next = sendAgain(ct, sendable(ct.side), ct.retries, null);
    services.metrics().requestsReissued.increment();
    log.info("call {}: {} on leg {} went out through a gateway that is gone; sent again from {} (CSeq {})",
        entityId, ct.method, ct.side, next.flow.localAddress().isEmpty() ? "this node" : next.flow.localAddress(),
        next.request.getCSeq().getSeqNumber());
  }

  /**
   * {@code ct}'s request once more as a new transaction on {@code leg}: new branch, the leg's next
   * CSeq, the leg's gateway in Via and Contact, {@code adjust} (may be null) applied to the copy.
   * The relayed server transaction and the SBC's own purpose carry over to it.
   */
  Client sendAgain(Client ct, Leg leg, int retries, Customizer<SIPRequest> adjust) throws Exception {
    Leg next = leg.withNextLocalCseq();
    setLeg(next);
    String branch = SipBuilder.newBranch();
    SIPRequest again = build.reissued(ct.request, next, next.localCseq(), branch);
    if (adjust != null) {
      adjust.accept(again);
    }
    Client sent = sendRequest(next, again, branch, ct.peer, ct.initialInvite);
    sent.own = ct.own;
    sent.retries = retries;
    if (ct.peer != null) {
      ct.peer.relayedTo = sent.key;
    }
    return sent;
  }

  void retransmitResponse(Server st) {
    if (st == null || st.lastResponse == null) {
      return;
    }
    services.metrics().retransmissions.increment();
    send(st.flow, st.lastResponse, null);
    Duration next = st.interval.multipliedBy(2);
    Duration t2 = services.settings().timers().t2();
    st.interval = next.compareTo(t2) < 0 ? next : t2;
    timers.startSingleTimer("sretx:" + st.key, new TimerFired("sretx:" + st.key), st.interval);
  }

  Client sendRequest(Leg leg, SIPRequest req, String branch, Server peer, boolean initial) {
    byte[] bytes = SipCodec.encode(req);
    Client ct = new Client(branch, req, bytes, leg.flow(), leg.side(), peer, initial);
    clients.put(ct.key, ct);
    send(leg.flow(), bytes, ct.key);
    // UDP: timer A/E; TCP: the same timer only watches the gateway of an in-dialog request
    if (!leg.flow().transport().reliable() || reissuable(ct)) {
      ct.interval = services.settings().timers().t1();
      timers.startSingleTimer("retx:" + ct.key, new TimerFired("retx:" + ct.key), ct.interval);
    }
    timers.startSingleTimer("ctimeout:" + ct.key, new TimerFired("ctimeout:" + ct.key), timeout());
    return ct;
  }

  /** Answers a request that belongs to no transaction we keep (e.g. 481 to a stray request). */
  void respondStateless(SIPRequest req, Flow flow, int status, String reason) throws Exception {
    SIPResponse resp = build.response(req, status, reason, SipBuilder.newTag(), null, flow);
    send(flow, SipCodec.encode(resp), null);
  }

  void send(Flow flow, byte[] bytes, String tag) {
    Flow out = services.gateways().route(flow);
    GatewayCommand.Send cmd = new GatewayCommand.Send(out, bytes, tag, tag == null ? null : failures);
    sends.add(() -> out.gateway().tell(cmd));
  }

  /**
   * The leg, ready for a new request: when the node whose gateway anchored it is gone, the leg is
   * re-homed on this node's gateway first, so the request's Via and Contact name a live node. A
   * TCP leg then connects to the peer's remote target (its Contact), where it listens, rather
   * than to the source port of the lost connection (RFC 3261 §12.2.1.1, §18.1.1).
   */
  Leg sendable(Side side) {
    Leg leg = leg(side);
    Flow flow = leg.flow();
    if (services.gateways().usable(flow)) {
      return leg;
    }
    Flow moved = services.gateways().rehome(flow);
    if (flow.transport().reliable()) {
      moved = build.towardTarget(moved, leg.remoteTarget());
    }
    log.info("call {}: leg {} re-homed from {} to this node's gateway ({} -> {})",
        entityId, side, flow.gateway().path().address(), flow, moved);
    Leg rehomed = leg.withFlow(moved);
    setLeg(rehomed);
    return rehomed;
  }

  /**
   * A 2xx to an INVITE whose client transaction is gone gets an ACK all the same (§13.2.2.4): the
   * one already sent when it is a retransmission, else a new one, when a fail-over lost the
   * transaction (the re-INVITE was relayed by a node that died). Its sender's retransmission of
   * the request then starts the exchange again.
   */
  void ackUnknown2xx(SIPResponse resp, String branch) throws Exception {
    Side side = sideOf(resp.getCallId().getCallId());
    if (side == null) {
      return;
    }
    byte[] ack = acksSent.get(branch);
    Leg leg = leg(side);
    if (ack == null) {
      if (!confirmed() || leg == null || !leg.remoteTag().equals(resp.getToTag())) {
        return;
      }
      leg = sendable(side);
      ack = SipCodec.encode(build.inDialog(leg, "ACK", resp.getCSeq().getSeqNumber(), SipBuilder.newBranch(), null));
      rememberAck(branch, ack);
      log.info("call {}: ACKed a 2xx (CSeq {}) of a transaction this incarnation does not know", entityId,
          resp.getCSeq().getSeqNumber());
    }
    send(leg.flow(), ack, null);
  }

  /** An ACK for a 2xx, resent if the 2xx is; forgotten after the 2xx retransmission window. */
  void rememberAck(String inviteBranch, byte[] ack) {
    acksSent.put(inviteBranch, ack);
    if (confirmed()) {
      timers.startSingleTimer("ackdone:" + inviteBranch, new TimerFired("ackdone:" + inviteBranch), timeout());
    }
  }

  void forgetServer(Server st) {
    if (st != null) {
      cancelServerTimers(st);
    }
  }

  void startServerRetransmit(Server st) {
    st.interval = services.settings().timers().t1();
    timers.startSingleTimer("sretx:" + st.key, new TimerFired("sretx:" + st.key), st.interval);
  }

  void cancelServerTimers(Server st) {
    timers.cancel("sretx:" + st.key);
    timers.cancel("stimeout:" + st.key);
  }

  void cancelClientTimers(Client ct) {
    timers.cancel("retx:" + ct.key);
    timers.cancel("ctimeout:" + ct.key);
  }

  Server newServer(Side side, SIPRequest req, Flow flow) {
    String key = Transactions.serverKey(side, req.getTopmostVia().getBranch(), req.getMethod());
    Server st = new Server(key, side, req, flow);
    servers.put(key, st);
    return st;
  }

  Duration timeout() {
    return services.settings().timers().timeout();
  }

  void sendCancel(Client invite) throws Exception {
    invite.cancelPending = false;
    SIPRequest cancel = invite.request.createCancelRequest();
    sendRequest(leg(invite.side), cancel, invite.branch, null, false);
  }

  void sendBye(Leg leg) throws Exception {
    if (leg == null || leg.remoteTag().isEmpty()) {
      return;
    }
    sendInDialog(leg.side(), "BYE", null, null, null);
  }

  /**
   * Sends a new in-dialog request on a leg with the leg's next CSeq and a new branch: {@code
   * source} (may be null) supplies body and end-to-end headers, {@code peer} is the server
   * transaction it relays (null: the SBC's own), {@code customize} adds to it before sending.
   */
  Client sendInDialog(Side side, String method, SIPMessage source, Server peer, Customizer<SIPRequest> customize)
      throws Exception {
    Leg leg = sendable(side).withNextLocalCseq();
    setLeg(leg);
    String branch = SipBuilder.newBranch();
    SIPRequest req = build.inDialog(leg, method, leg.localCseq(), branch, source);
    if (customize != null) {
      customize.accept(req);
    }
    return sendRequest(leg, req, branch, peer, false);
  }

  /**
   * A finished call lingers (timer J) only to answer retransmissions, for which the encoded last
   * response suffices: dropping the parsed requests keeps thousands of lingering calls cheap.
   */
  void releaseParsedRequests() {
    for (Server st : servers.values()) {
      if (st.answered()) {
        st.request = null;
      }
    }
    awaitingAck.clear();
  }

  void clearTransactions() {
    servers.clear();
    clients.clear();
    acksSent.clear();
    awaitingAck.clear();
    timers.cancelAll();
  }

  void respond(Server st, int status, String reason, SIPResponse relayed) throws Exception {
    respond(st, status, reason, relayed, null);
  }

  /**
   * Answers a server transaction. A 2xx to an INVITE or UPDATE completes an offer/answer on the
   * leg: the request's body is what the peer established, the response's what the SBC did.
   */
  void respond(Server st, int status, String reason, SIPResponse relayed, Customizer<SIPResponse> customize)
      throws Exception {
    Leg own = leg(st.side);
    String toTag = own != null ? own.localTag() : SipBuilder.newTag();
    SIPResponse resp = build.response(st.request, status, reason, toTag, relayed, st.flow);
    String method = st.request.getMethod();
    boolean offerAnswer = status >= 200 && status < 300 && (method.equals("INVITE") || method.equals("UPDATE"));
    if (offerAnswer && confirmed() && st.request.getToTag() != null) {
      addSessionHeaders(st, resp);
    }
    if (customize != null) {
      customize.accept(resp);
    }
    byte[] bytes = SipCodec.encode(resp);
    st.lastResponse = bytes;
    if (status >= 200) {
      st.finalStatus = status;
      if (confirmed() && st.request.getToTag() != null && !method.equals("BYE")) {
        timers.startSingleTimer("sdone:" + st.key, new TimerFired("sdone:" + st.key), timeout());
      }
    }
    if (offerAnswer && own != null) {
      setLeg(own.withRemoteSdp(SipFields.body(st.request), SipFields.contentType(st.request)).withLocalSdp(SipFields.body(resp)));
    }
    send(st.flow, bytes, null);
    if (status >= 300 && method.equals("INVITE")) {
      if (!st.flow.transport().reliable()) {
        startServerRetransmit(st);
      }
      timers.startSingleTimer("stimeout:" + st.key, new TimerFired("stimeout:" + st.key), timeout());
    }
  }

  /** Sends a 2xx to an INVITE and keeps it going (UDP) until its ACK comes or timer H fires. */
  void awaitAck(Server st, int status, String reason, SIPResponse relayed, Customizer<SIPResponse> customize)
      throws Exception {
    awaitingAck.put(st.side + "|" + st.cseq, st);
    respond(st, status, reason, relayed, customize);
    if (!st.flow.transport().reliable()) {
      startServerRetransmit(st);
    }
    timers.startSingleTimer("stimeout:" + st.key, new TimerFired("stimeout:" + st.key), timeout());
  }

  /** Session-timer headers of a 2xx to an in-dialog INVITE/UPDATE (which refreshes the leg). */
  abstract void addSessionHeaders(Server st, SIPResponse resp) throws Exception;

  abstract Leg leg(Side side);

  /** The leg a Call-ID belongs to (null: neither). */
  abstract Side sideOf(String callId);

  abstract void setLeg(Leg leg);
}
