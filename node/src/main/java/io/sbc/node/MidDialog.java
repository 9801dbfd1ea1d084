package io.sbc.node;

import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.node.CallEntity.SessionExpired;
import io.sbc.node.CallEntity.SessionRefreshed;
import io.sbc.node.CallEntity.SessionTimerArmed;
import io.sbc.node.CallEntity.TimerFired;
import io.sbc.node.CallTransactions.Customizer;
import io.sbc.node.CallLogic.Phase;
import io.sbc.node.Leg.Side;
import io.sbc.node.SbcSettings.SessionTimerSettings;
import io.sbc.node.Transactions.Client;
import io.sbc.node.Transactions.Server;
import io.sbc.protocol.sdp.MediaChange;
import io.sbc.protocol.sdp.MediaSummary;
import io.sbc.protocol.timer.SessionTimerHeaders;
import io.sbc.protocol.timer.SessionTimerHeaders.SessionExpires;
import java.text.ParseException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * What happens inside an established call: the midcall-signaling policy for re-INVITE and
 * UPDATE (with glare handling, RFC 3261 §14), the RFC 4028 session timer of each leg (422,
 * refresher, the SBC's own refreshes, expiry) and the optional OPTIONS keep-alive. Works on
 * the state of its {@link CallLogic}.
 *
 * <p>Timer keys: {@code st-expire:<side>} (the leg's RFC 4028 §10 deadline), {@code
 * st-refresh:<side>} (the SBC's refresh when it is the leg's refresher), {@code ping:<side>}.
 */
final class MidDialog {
  private static final int MAX_RETRIES = 2;

  private final CallLogic call;
  private final SessionTimerSettings settings;
  private final Map<Side, SessionTimer> sessionTimers = new EnumMap<>(Side.class);
  /** Negotiated from the initial INVITE and its 2xx, armed once the call is established. */
  private final Map<Side, SessionTimer> pending = new EnumMap<>(Side.class);

  MidDialog(CallLogic call) {
    this.call = call;
    this.settings = call.services.settings().sessionTimer();
  }

  // ---- re-INVITE / UPDATE ------------------------------------------------------------------

  /** A re-INVITE or UPDATE from {@code side} in the confirmed dialog (CSeq already checked). */
  void onOffer(SIPRequest req, Server st, Side side) throws Exception {
    String method = req.getMethod();
    String offer = SipFields.body(req);
    boolean offers = method.equals("INVITE") || !offer.isEmpty();
    if (method.equals("INVITE") && serverPending(side, st, true)) {
      // §14.2: a second INVITE before the final response to the first.
      call.respond(st, 500, "Server Internal Error", null,
          r -> call.build.setHeader(r, "Retry-After", Integer.toString(ThreadLocalRandom.current().nextInt(1, 11))));
      return;
    }
    if (offers && (clientPending(side) || serverPending(side, st, false))) {
      rejectGlare(st, side);
      return;
    }
    if (rejectTooSmallInterval(st, req)) {
      return;
    }
    MidcallPolicy policy = call.services.policies().policyFor(call.route);
    Leg to = call.leg(side.other());
    MidcallRules.Decision d = MidcallRules.decide(policy, offer, call.leg(side).remoteSdp(), to.localSdp(),
        policy == MidcallPolicy.PRESERVE_CODEC ? call.setupCodecs() : List.of());
    call.services.metrics().midcall(policy, d.action().label());
    call.log.debug("call {}: {} from leg {} under midcall-signaling {}: {} ({})",
        call.entityId, method, side, policy.keyword(), d.action().label(), d.reason());
    if (d.action() instanceof MidcallRules.Relay relay) {
      if (offers && (clientPending(side.other()) || serverPending(side.other(), null, false))) {
        rejectGlare(st, side); // the other leg has an offer of its own in progress
        return;
      }
      call.relay(st, req, side, relay.body().orElse(null), out -> addRequestTimerHeaders(out, sessionTimers.get(side.other())));
    } else if (d.action() instanceof MidcallRules.Reject reject) {
      call.respond(st, 488, "Not Acceptable Here", null, r -> call.build.warning(r, reject.warnCode(), reject.warnText()));
    } else {
      answerLocally(st, req, side, !offer.isEmpty());
    }
  }

  private void rejectGlare(Server st, Side side) throws Exception {
    call.services.metrics().glare.increment();
    call.log.debug("call {}: glare on leg {}: 491", call.entityId, side);
    call.respond(st, 491, "Request Pending", null);
  }

  /**
   * A refresh answered on this leg alone: 200 with the SBC's current session description (the
   * offer, when the re-INVITE had none; its answer must come in the ACK).
   */
  private void answerLocally(Server st, SIPRequest req, Side side, boolean hasOffer) throws Exception {
    String current = call.leg(side).localSdp();
    boolean invite = req.getMethod().equals("INVITE");
    if ((invite || hasOffer) && current.isEmpty()) {
      call.respond(st, 488, "Not Acceptable Here", null,
          r -> call.build.warning(r, 399, "No current session description to answer with"));
      return;
    }
    Customizer<SIPResponse> body = r -> {
      if (invite || hasOffer) {
        call.build.setSdp(r, current);
      }
    };
    if (invite) {
      st.localAnswer = true;
      call.awaitAck(st, 200, "OK", null, body);
    } else {
      call.respond(st, 200, "OK", null, body);
    }
  }

  /** The ACK of a locally answered re-INVITE: for an offer-less one, it carries the answer. */
  void onLocalAnswerAck(Server st, SIPRequest ack, Side side) {
    if (st.request == null || !SipFields.body(st.request).isEmpty()) {
      return;
    }
    String answer = SipFields.body(ack);
    Leg leg = call.leg(side);
    if (answer.isEmpty()) {
      call.log.warn("call {}: the ACK on leg {} carries no answer to the SBC's offer (RFC 3264 §4)", call.entityId, side);
      return;
    }
    try {
      MediaChange change = leg.remoteSdp().isEmpty()
          ? null : MediaChange.between(MediaSummary.parse(leg.remoteSdp()), MediaSummary.parse(answer));
      if (change != null && !change.isRefresh()) {
        call.log.warn("call {}: the answer in the ACK on leg {} changes the media {}; not propagated to the other leg",
            call.entityId, side, change.kinds());
      }
    } catch (ParseException e) {
      call.log.warn("call {}: unusable answer in the ACK on leg {}: {}", call.entityId, side, e.getMessage());
      return;
    }
    call.setLeg(leg.withRemoteSdp(answer, SipFields.contentType(ack)));
  }

  /** An offer the SBC sent on this leg awaits its answer (a bodiless UPDATE offers nothing). */
  private boolean clientPending(Side side) {
    for (Client ct : call.clients.values()) {
      if (ct.side == side && !ct.initialInvite && offers(ct.request)) {
        return true;
      }
    }
    return false;
  }

  /** A refresh the SBC sent on its own on this leg awaits its final response. */
  private boolean ownRefreshPending(Side side) {
    for (Client ct : call.clients.values()) {
      if (ct.side == side && ct.own == Transactions.Own.REFRESH) {
        return true;
      }
    }
    return false;
  }

  /** An offer from this leg's peer awaits the SBC's final answer ({@code invitesOnly}: re-INVITEs). */
  private boolean serverPending(Side side, Server except, boolean invitesOnly) {
    for (Server st : call.servers.values()) {
      if (st != except && st.side == side && !st.answered() && st.request != null
          && st.request.getToTag() != null && offers(st.request)
          && (!invitesOnly || st.request.getMethod().equals("INVITE"))) {
        return true;
      }
    }
    return false;
  }

  private static boolean offers(SIPRequest req) {
    String method = req.getMethod();
    return method.equals("INVITE") || (method.equals("UPDATE") && req.getRawContent() != null && req.getRawContent().length > 0);
  }

  /** Per m-line, the codecs both sides offered and answered at setup (preserve-codec). */
  static List<Set<String>> negotiatedCodecs(String sdpA, String sdpB) {
    List<Set<String>> out = new ArrayList<>();
    try {
      List<MediaSummary.Stream> offer = sdpA.isEmpty() ? List.of() : MediaSummary.parse(sdpA).streams();
      List<MediaSummary.Stream> answer = sdpB.isEmpty() ? List.of() : MediaSummary.parse(sdpB).streams();
      List<MediaSummary.Stream> base = answer.isEmpty() ? offer : answer;
      for (int i = 0; i < base.size(); i++) {
        Set<String> codecs = new LinkedHashSet<>(base.get(i).codecs());
        if (!offer.isEmpty() && !answer.isEmpty() && i < offer.size()) {
          codecs.retainAll(offer.get(i).codecs());
        }
        out.add(Set.copyOf(codecs));
      }
    } catch (ParseException e) {
      // No usable SDP at setup: preserve-codec will find nothing to keep and answer 488.
    }
    return List.copyOf(out);
  }

  // ---- session timers: negotiation -------------------------------------------------------

  /** RFC 4028 §9: 422 with our Min-SE to a request asking for a shorter interval. */
  boolean rejectTooSmallInterval(Server st, SIPRequest req) throws Exception {
    if (!settings.enabled()) {
      return false;
    }
    Optional<Long> minSe = SessionTimer.tooSmall(req, settings);
    if (minSe.isEmpty()) {
      return false;
    }
    call.respond(st, 422, "Session Interval Too Small", null, r -> call.build.setHeader(r, "Min-SE", Long.toString(minSe.get())));
    return true;
  }

  /** Session-timer headers of a request the SBC sends on a leg ({@code legTimer} null: initial). */
  void addRequestTimerHeaders(SIPRequest req, SessionTimer legTimer) throws Exception {
    if (!settings.enabled()) {
      return;
    }
    SessionExpires se = legTimer == null
        ? new SessionExpires(settings.sessionExpires().toSeconds(), Optional.empty())
        : legTimer.forRequest();
    call.build.addHeader(req, "Supported", "timer");
    call.build.setHeader(req, "Session-Expires", se.headerValue());
    call.build.setHeader(req, "Min-SE", Long.toString(settings.minSe().toSeconds()));
  }

  private void addResponseHeaders(SIPResponse resp, SessionTimer t) throws Exception {
    call.build.addHeader(resp, "Supported", "timer");
    call.build.setHeader(resp, "Session-Expires", t.forResponse().headerValue());
    if (t.peerSupportsTimer()) {
      call.build.setHeader(resp, "Require", "timer"); // RFC 4028 §9: only to a peer that knows it
    }
  }

  /**
   * The initial INVITE got its 2xx: negotiates both legs and returns what the 2xx to the caller
   * must carry. The timers start with {@link #armEstablished()}.
   */
  Customizer<SIPResponse> established(SIPRequest aInvite, Client bInvite, SIPResponse b2xx) {
    if (!settings.enabled()) {
      return null;
    }
    long now = System.currentTimeMillis();
    SessionTimer ta = SessionTimer.asUas(aInvite, settings, null, now);
    pending.put(Side.A, ta);
    pending.put(Side.B, SessionTimer.asUac(b2xx, requested(bInvite.request), null, now));
    return r -> addResponseHeaders(r, ta);
  }

  /**
   * Starts what {@link #established} negotiated (or the keep-alive) and returns it, to be
   * persisted with the established call.
   */
  Map<Side, SessionTimer> armEstablished() {
    Map<Side, SessionTimer> armed = new EnumMap<>(pending);
    armed.forEach((side, t) -> {
      sessionTimers.put(side, t);
      schedule(side, t);
    });
    pending.clear();
    schedulePings();
    return armed;
  }

  /** A 2xx the SBC sends to an in-dialog INVITE/UPDATE: negotiates and refreshes that leg. */
  void addResponseTimerHeaders(Server st, SIPResponse resp) throws Exception {
    if (!settings.enabled()) {
      return;
    }
    SessionTimer t = SessionTimer.asUas(st.request, settings, sessionTimers.get(st.side), System.currentTimeMillis());
    addResponseHeaders(resp, t);
    commit(st.side, t);
  }

  /** A 2xx to an in-dialog INVITE/UPDATE the SBC sent: negotiates and refreshes that leg. */
  void onClient2xx(Client ct, SIPResponse resp) {
    if (!settings.enabled() || call.phase != Phase.CONFIRMED) {
      return;
    }
    commit(ct.side, SessionTimer.asUac(resp, requested(ct.request), sessionTimers.get(ct.side), System.currentTimeMillis()));
  }

  /**
   * RFC 4028 §7.4: a 422 to a request the SBC sent on a leg: send it again with the interval
   * the far end asks for. Returns false when there is nothing sensible to retry.
   */
  boolean retryAfter422(Client ct, SIPResponse resp) throws Exception {
    Optional<Long> minSe = SessionTimerHeaders.minSe(resp);
    if (!settings.enabled() || minSe.isEmpty() || minSe.get() <= requested(ct.request) || ct.retries >= MAX_RETRIES) {
      return false;
    }
    call.log.info("call {}: leg {} wants a session interval of at least {} s; asking again", call.entityId, ct.side, minSe.get());
    call.sendAgain(ct, call.leg(ct.side), ct.retries + 1, again -> {
      call.build.setHeader(again, "Session-Expires", Long.toString(minSe.get()));
      call.build.setHeader(again, "Min-SE", Long.toString(minSe.get()));
    });
    return true;
  }

  private long requested(SIPRequest req) {
    return SessionTimerHeaders.sessionExpires(req).map(SessionExpires::seconds).orElse(settings.sessionExpires().toSeconds());
  }

  /** Records the leg's timer (persisted) and re-arms its deadline and the SBC's refresh. */
  private void commit(Side side, SessionTimer t) {
    SessionTimer old = sessionTimers.put(side, t);
    call.events.add(t.sameTerms(old) ? new SessionRefreshed(side, t) : new SessionTimerArmed(side, t));
    if (!t.sameTerms(old)) {
      call.log.debug("call {}: leg {} session timer {} s, refreshed by {}", call.entityId, side,
          t.intervalSeconds(), t.sbcRefreshes() ? "the SBC" : "the peer");
    }
    schedule(side, t);
  }

  private void schedule(Side side, SessionTimer t) {
    long now = System.currentTimeMillis();
    start("st-expire:" + side, Math.max(0, t.deadlineMillis() - now));
    if (t.sbcRefreshes()) {
      start("st-refresh:" + side, Math.max(0, t.refreshDueMillis() - now));
    } else {
      call.timers.cancel("st-refresh:" + side);
    }
  }

  /**
   * After recovery: the persisted deadlines, not new ones. On a leg the SBC refreshes, a refresh
   * the dead node owed goes out now and gets its transaction time before the leg may expire: the
   * peer did nothing wrong, only the SBC was late.
   */
  void recovered(SessionTimer timerA, SessionTimer timerB) {
    for (Side side : Side.values()) {
      SessionTimer t = side == Side.A ? timerA : timerB;
      if (t == null) {
        continue;
      }
      sessionTimers.put(side, t);
      schedule(side, t);
      long grace = call.timeout().toMillis() + 1000;
      if (t.sbcRefreshes() && t.deadlineMillis() - System.currentTimeMillis() < grace) {
        start("st-expire:" + side, grace);
      }
    }
    schedulePings();
  }

  // ---- timers ------------------------------------------------------------------------------

  /** Handles a mid-dialog timer; false when the key is not one of ours. */
  boolean onTimer(String kind, String id) throws Exception {
    Side side;
    try {
      side = Side.valueOf(id);
    } catch (IllegalArgumentException e) {
      return false;
    }
    switch (kind) {
      case "st-expire" -> expire(side);
      case "st-refresh" -> refresh(side);
      case "ping" -> ping(side);
      default -> {
        return false;
      }
    }
    return true;
  }

  private void expire(Side side) throws Exception {
    SessionTimer t = sessionTimers.get(side);
    if (call.phase != Phase.CONFIRMED || t == null) {
      return;
    }
    long left = t.deadlineMillis() - System.currentTimeMillis();
    if (left > 0) {
      start("st-expire:" + side, left); // refreshed meanwhile
      return;
    }
    if (t.sbcRefreshes() && ownRefreshPending(side)) {
      // The SBC's own refresh is still in its transaction (late: retransmitted, or sent again
      // after its gateway died). Its outcome decides: a 2xx refreshes the leg, a timeout, 408
      // or 481 ends the call (RFC 4028 §10), within the transaction timeout.
      start("st-expire:" + side, 1000);
      return;
    }
    call.services.metrics().sessionsExpired.increment();
    call.log.info("call {}: no session refresh on leg {} by its deadline ({} s interval, refresher: {}); ending the call",
        call.entityId, side, t.intervalSeconds(), t.sbcRefreshes() ? "SBC" : "peer");
    call.events.add(new SessionExpired(side));
    hangUp("session expired on leg " + side);
  }

  private void refresh(Side side) throws Exception {
    SessionTimer t = sessionTimers.get(side);
    if (call.phase != Phase.CONFIRMED || t == null || !t.sbcRefreshes()) {
      return;
    }
    if (clientPending(side) || serverPending(side, null, false)) {
      start("st-refresh:" + side, 1000); // an offer is in progress on the leg: try again shortly
      return;
    }
    String method = t.refreshMethod(call.services.settings().sessionTimer().refreshMethod());
    Leg leg = call.leg(side);
    if (method.equals("INVITE") && leg.localSdp().isEmpty()) {
      method = "UPDATE"; // a re-INVITE needs an offer; without one, a bodiless UPDATE refreshes
    }
    sendOwn(side, method, Transactions.Own.REFRESH, t);
    call.services.metrics().refreshesSent.increment();
  }

  private void ping(Side side) throws Exception {
    if (call.phase != Phase.CONFIRMED) {
      return;
    }
    sendOwn(side, "OPTIONS", Transactions.Own.KEEPALIVE, null);
    start("ping:" + side, call.services.settings().optionsPing().toMillis());
  }

  private void sendOwn(Side side, String method, Transactions.Own why, SessionTimer t) throws Exception {
    call.sendInDialog(side, method, null, null, req -> {
      if (method.equals("INVITE")) {
        // same origin version: nothing changes (RFC 3264 §8)
        call.build.setSdp(req, call.leg(side).localSdp());
      }
      if (t != null) {
        addRequestTimerHeaders(req, t);
      }
    }).own = why;
  }

  private void schedulePings() {
    Duration every = call.services.settings().optionsPing();
    if (!every.isZero() && sessionTimers.isEmpty()) {
      start("ping:A", every.toMillis());
      start("ping:B", every.toMillis());
    }
  }

  /** A final non-2xx to the SBC's own refresh or keep-alive. */
  void onOwnRequestRejected(Client ct, SIPResponse resp) throws Exception {
    int status = resp.getStatusCode();
    if (status == 408 || status == 481) {
      // RFC 3261 §12.2.1.2: the dialog is gone on that side.
      ownRequestFailed(ct, status + " " + resp.getReasonPhrase());
      return;
    }
    if (ct.own != Transactions.Own.REFRESH || call.phase != Phase.CONFIRMED) {
      return;
    }
    if (status == 491) {
      // §14.1: the owner of the Call-ID (the SBC, on B) waits 2.1-4 s, the other 0-2 s.
      long wait = ct.side == Side.B
          ? ThreadLocalRandom.current().nextLong(210, 401) * 10
          : ThreadLocalRandom.current().nextLong(0, 201) * 10;
      call.log.debug("call {}: refresh on leg {} met glare; retrying in {} ms", call.entityId, ct.side, wait);
      start("st-refresh:" + ct.side, wait);
    } else if ((status == 405 || status == 501) && ct.method.equals("UPDATE")) {
      SessionTimer t = sessionTimers.get(ct.side);
      if (t != null) {
        sessionTimers.put(ct.side, t.withoutUpdate());
        start("st-refresh:" + ct.side, 0);
      }
    } else {
      call.log.info("call {}: session refresh on leg {} answered {}; the session expires at its deadline unless refreshed",
          call.entityId, ct.side, status);
    }
  }

  /** The SBC's own refresh or keep-alive got no answer (timeout, transport failure). */
  void onOwnRequestFailed(Client ct, int status) throws Exception {
    ownRequestFailed(ct, "no answer (" + status + ")");
  }

  private void ownRequestFailed(Client ct, String what) throws Exception {
    if (call.phase != Phase.CONFIRMED) {
      return;
    }
    if (ct.own == Transactions.Own.KEEPALIVE) {
      call.services.metrics().keepAliveFailures.increment();
    }
    call.log.info("call {}: {} on leg {} failed: {}; ending the call", call.entityId,
        ct.own == Transactions.Own.KEEPALIVE ? "keep-alive OPTIONS" : "session refresh", ct.side, what);
    hangUp((ct.own == Transactions.Own.KEEPALIVE ? "keep-alive" : "session refresh") + " failed on leg " + ct.side);
  }

  private void hangUp(String reason) throws Exception {
    call.sendBye(call.leg(Side.A));
    call.sendBye(call.leg(Side.B));
    call.endCall(reason, 0);
  }

  void cancelTimers() {
    for (Side side : Side.values()) {
      call.timers.cancel("st-expire:" + side);
      call.timers.cancel("st-refresh:" + side);
      call.timers.cancel("ping:" + side);
    }
  }

  private void start(String key, long delayMillis) {
    call.timers.startSingleTimer(key, new TimerFired(key), Duration.ofMillis(delayMillis));
  }
}
