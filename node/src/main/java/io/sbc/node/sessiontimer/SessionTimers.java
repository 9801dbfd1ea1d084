package io.sbc.node.sessiontimer;

import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.node.config.SbcSettings.SessionTimerSettings;
import io.sbc.node.dialog.CallEvent.SessionExpired;
import io.sbc.node.dialog.CallEvent.SessionRefreshed;
import io.sbc.node.dialog.CallEvent.SessionTimerArmed;
import io.sbc.node.dialog.CallState;
import io.sbc.node.dialog.Leg;
import io.sbc.node.dialog.Leg.Side;
import io.sbc.node.dialog.SessionTimer;
import io.sbc.node.metrics.CallMetrics;
import io.sbc.node.transaction.ClientTransaction;
import io.sbc.node.transaction.Customizer;
import io.sbc.node.transaction.Effects;
import io.sbc.node.transaction.ServerTransaction;
import io.sbc.node.transaction.SipBuilder;
import io.sbc.node.transaction.TimerKey;
import io.sbc.node.transaction.TimerKey.SessionExpire;
import io.sbc.node.transaction.TimerKey.SessionRefresh;
import io.sbc.node.transaction.TransactionLayer;
import io.sbc.node.transaction.Transactions;
import io.sbc.protocol.timer.SessionTimerHeaders;
import io.sbc.protocol.timer.SessionTimerHeaders.SessionExpires;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * The RFC 4028 session timer of each leg: negotiation at setup and in every re-INVITE/UPDATE
 * (422 both ways), the SBC's own refreshes on a leg it is the refresher of (491 and 405 handled),
 * and expiry. Nothing timer-related crosses the B2BUA: each leg has its own. Where the call must
 * end, the methods say why and the B2BUA hangs up.
 *
 * <p>The settings can change at runtime ({@link SessionTimerStore}); each negotiation takes those in
 * force when it starts. The set-up of a call (the 422 check of the caller's INVITE, the INVITE to
 * the callee, the 2xx) uses the settings of the moment its INVITE arrived; every later
 * re-INVITE/UPDATE and refresh of the SBC uses the session-expires, min-se and refresh method in
 * force then. Whether the call runs timers at all stays as it was set up: switching them off (or
 * on) at runtime concerns new calls, so a running call never stops answering refreshes of the
 * timers it armed.
 */
public final class SessionTimers {
  private static final int MAX_RETRIES = 2;

  private final String entityId;
  private final CallState call;
  private final Transactions transactions;
  private final TransactionLayer tx;
  private final SipBuilder build;
  private final Effects effects;
  private final Supplier<SessionTimerSettings> source;
  /** The settings of this call's set-up, taken when its INVITE arrived (or at recovery). */
  private SessionTimerSettings setup;
  private final CallMetrics metrics;
  private final Logger log;
  private final Map<Side, SessionTimer> timers = new EnumMap<>(Side.class);
  /** Negotiated from the initial INVITE and its 2xx, armed once the call is established. */
  private final Map<Side, SessionTimer> pending = new EnumMap<>(Side.class);
  private final RefreshFailures failures;

  public SessionTimers(String entityId, CallState call, Transactions transactions, TransactionLayer tx,
      SipBuilder build, Effects effects, Supplier<SessionTimerSettings> settings, CallMetrics metrics, Logger log) {
    this.entityId = entityId;
    this.call = call;
    this.transactions = transactions;
    this.tx = tx;
    this.build = build;
    this.effects = effects;
    this.source = settings;
    this.setup = settings.get();
    this.metrics = metrics;
    this.log = log;
    this.failures = new RefreshFailures(entityId, call, timers, this::start, log);
  }

  /** The leg's session timer (null: none). */
  public SessionTimer timer(Side side) {
    return timers.get(side);
  }

  /** Whether any leg runs a session timer (the keep-alive is for calls without). */
  public boolean running() {
    return !timers.isEmpty();
  }

  // ---- negotiation ---------------------------------------------------------------------------

  /** A new call's INVITE arrived: its set-up negotiates with the settings in force now. */
  public void callStarts() {
    setup = source.get();
  }

  /**
   * The settings of a negotiation starting now: during set-up those of the call's INVITE; once the
   * call is up those in force, except {@code enabled}, which stays as the call was set up.
   */
  private SessionTimerSettings settings() {
    if (!call.confirmed()) {
      return setup;
    }
    SessionTimerSettings now = source.get();
    return now.enabled() == setup.enabled()
        ? now
        : now.withEnabled(setup.enabled());
  }

  /** RFC 4028 §9: 422 with our Min-SE to a request asking for a shorter interval. */
  public boolean rejectTooSmallInterval(ServerTransaction st, SIPRequest req) throws Exception {
    SessionTimerSettings settings = settings();
    if (!settings.enabled()) {
      return false;
    }
    Optional<Long> minSe = Negotiation.tooSmall(req, settings);
    if (minSe.isEmpty()) {
      return false;
    }
    tx.respond(st, 422, "Session Interval Too Small", null,
        r -> build.setHeader(r, "Min-SE", Long.toString(minSe.get())));
    return true;
  }

  /** Session-timer headers of the initial INVITE the SBC sends on B. */
  public void addInitialRequestHeaders(SIPRequest req) throws Exception {
    addRequestHeaders(req, null);
  }

  /** Session-timer headers of an in-dialog INVITE/UPDATE the SBC sends on {@code side}. */
  public Customizer<SIPRequest> requestHeaders(Side side) {
    SessionTimer legTimer = timers.get(side);
    return req -> addRequestHeaders(req, legTimer);
  }

  private void addRequestHeaders(SIPRequest req, SessionTimer legTimer) throws Exception {
    SessionTimerSettings settings = settings();
    if (!settings.enabled()) {
      return;
    }
    SessionExpires se = legTimer == null
        ? new SessionExpires(settings.sessionExpires().toSeconds(), Optional.empty())
        : legTimer.forRequest();
    build.addHeader(req, "Supported", "timer");
    build.setHeader(req, "Session-Expires", se.headerValue());
    build.setHeader(req, "Min-SE", Long.toString(settings.minSe().toSeconds()));
  }

  private void addResponseHeaders(SIPResponse resp, SessionTimer t) throws Exception {
    build.addHeader(resp, "Supported", "timer");
    build.setHeader(resp, "Session-Expires", t.forResponse().headerValue());
    if (t.peerSupportsTimer()) {
      build.setHeader(resp, "Require", "timer"); // RFC 4028 §9: only to a peer that knows it
    }
  }

  /**
   * The initial INVITE got its 2xx: negotiates both legs and returns what the 2xx to the caller
   * must carry (null: nothing). The timers start with {@link #armEstablished()}.
   */
  public Customizer<SIPResponse> established(SIPRequest aInvite, ClientTransaction bInvite, SIPResponse b2xx) {
    SessionTimerSettings settings = setup;
    if (!settings.enabled()) {
      return null;
    }
    long now = System.currentTimeMillis();
    SessionTimer ta = Negotiation.asUas(aInvite, settings, null, now);
    pending.put(Side.A, ta);
    SessionTimer tb = Negotiation.asUac(b2xx, requested(bInvite.request(), settings), null, now, settings);
    if (tb != null) {
      pending.put(Side.B, tb);
    }
    return r -> addResponseHeaders(r, ta);
  }

  /** Starts what {@link #established} negotiated and returns it, to be persisted with the call. */
  public Map<Side, SessionTimer> armEstablished() {
    Map<Side, SessionTimer> armed = new EnumMap<>(pending);
    armed.forEach((side, t) -> {
      timers.put(side, t);
      schedule(side, t);
    });
    pending.clear();
    return armed;
  }

  /**
   * What a final response the SBC sends on {@code st} carries: for a 2xx to an in-dialog INVITE
   * or UPDATE, the leg's session-timer headers, and the leg counts as refreshed (null: nothing).
   */
  public Customizer<SIPResponse> refreshAnswer(ServerTransaction st, int status) {
    String method = st.request().getMethod();
    SessionTimerSettings settings = settings();
    if (!settings.enabled() || status < 200 || status >= 300 || !call.confirmed()
        || st.request().getToTag() == null || !(method.equals("INVITE") || method.equals("UPDATE"))) {
      return null;
    }
    return resp -> {
      SessionTimer t = Negotiation.asUas(st.request(), settings, timers.get(st.side()), System.currentTimeMillis());
      addResponseHeaders(resp, t);
      commit(st.side(), t);
    };
  }

  /** A 2xx to an in-dialog INVITE/UPDATE the SBC sent: negotiates and refreshes that leg. */
  public void onClient2xx(ClientTransaction ct, SIPResponse resp) {
    SessionTimerSettings settings = settings();
    if (!settings.enabled() || !call.confirmed()) {
      return;
    }
    SessionTimer t = Negotiation.asUac(resp, requested(ct.request(), settings), timers.get(ct.side()),
        System.currentTimeMillis(), settings);
    if (t == null) {
      stop(ct.side());
    } else {
      commit(ct.side(), t);
    }
  }

  /**
   * RFC 4028 §7.4: a 422 to a request the SBC sent on a leg: send it again with the interval
   * the far end asks for. Returns false when there is nothing sensible to retry.
   */
  public boolean retryAfter422(ClientTransaction ct, SIPResponse resp) throws Exception {
    Optional<Long> minSe = SessionTimerHeaders.minSe(resp);
    SessionTimerSettings settings = settings();
    if (!settings.enabled() || minSe.isEmpty() || minSe.get() <= requested(ct.request(), settings)
        || ct.retries() >= MAX_RETRIES) {
      return false;
    }
    log.info("call {}: leg {} wants a session interval of at least {} s; asking again", entityId, ct.side(), minSe.get());
    tx.sendAgain(ct, call.leg(ct.side()), ct.retries() + 1, again -> {
      build.setHeader(again, "Session-Expires", Long.toString(minSe.get()));
      build.setHeader(again, "Min-SE", Long.toString(minSe.get()));
    });
    return true;
  }

  private static long requested(SIPRequest req, SessionTimerSettings settings) {
    return SessionTimerHeaders.sessionExpires(req).map(SessionExpires::seconds).orElse(settings.sessionExpires().toSeconds());
  }

  /** Records the leg's timer (persisted) and re-arms its deadline and the SBC's refresh. */
  private void commit(Side side, SessionTimer t) {
    SessionTimer old = timers.put(side, t);
    metrics.legRefreshed(t.sbcRefreshes());
    effects.persist(t.sameTerms(old) ? new SessionRefreshed(side, t) : new SessionTimerArmed(side, t));
    call.trail().add(t.sameTerms(old)
        ? "leg " + side + " refreshed"
        : "leg " + side + " session timer " + t.intervalSeconds() + " s, refreshed by " + (t.sbcRefreshes() ? "the SBC" : "the peer"));
    if (!t.sameTerms(old)) {
      log.debug("call {}: leg {} session timer {} s, refreshed by {}", entityId, side,
          t.intervalSeconds(), t.sbcRefreshes() ? "the SBC" : "the peer");
    }
    schedule(side, t);
  }

  /**
   * The peer answered the SBC's request without Session-Expires: no session timer on that leg
   * any more (RFC 4028 §7.2), unless the SBC is configured to keep such legs alive itself.
   */
  private void stop(Side side) {
    if (timers.remove(side) != null) {
      effects.cancelTimer(new SessionExpire(side));
      effects.cancelTimer(new SessionRefresh(side));
      call.trail().add("leg " + side + " no longer runs a session timer (2xx without Session-Expires)");
    }
  }

  private void schedule(Side side, SessionTimer t) {
    long now = System.currentTimeMillis();
    if (t.keepAliveOnly()) {
      effects.cancelTimer(new SessionExpire(side)); // the peer runs no timer: nothing expires
    } else {
      start(new SessionExpire(side), t.deadlineMillis() - now);
    }
    if (t.sbcRefreshes()) {
      start(new SessionRefresh(side), t.refreshDueMillis() - now);
    } else {
      effects.cancelTimer(new SessionRefresh(side));
    }
  }

  /**
   * After recovery: the persisted deadlines, not new ones. On a leg the SBC refreshes, a refresh
   * the dead node owed goes out now and gets its transaction time before the leg may expire: the
   * peer did nothing wrong, only the SBC was late.
   */
  public void recovered(SessionTimer timerA, SessionTimer timerB) {
    // A call set up with timers has them on both legs; one without was set up with them off.
    SessionTimerSettings now = source.get();
    boolean enabled = timerA != null || timerB != null;
    setup = now.withEnabled(enabled);
    for (Side side : Side.values()) {
      SessionTimer t = side == Side.A ? timerA : timerB;
      if (t == null) {
        continue;
      }
      timers.put(side, t);
      schedule(side, t);
      long grace = tx.timeout().toMillis() + 1000;
      if (t.sbcRefreshes() && !t.keepAliveOnly() && t.deadlineMillis() - System.currentTimeMillis() < grace) {
        start(new SessionExpire(side), grace);
      }
    }
  }

  // ---- refresh and expiry --------------------------------------------------------------------

  /** Runs a session timer; returns why the call must end, if it must. */
  public Optional<String> onTimer(TimerKey key) throws Exception {
    if (key instanceof SessionExpire e) {
      return expire(e.side());
    }
    if (key instanceof SessionRefresh r) {
      refresh(r.side());
    }
    return Optional.empty();
  }

  private Optional<String> expire(Side side) {
    SessionTimer t = timers.get(side);
    if (!call.confirmed() || t == null) {
      return Optional.empty();
    }
    long left = t.deadlineMillis() - System.currentTimeMillis();
    if (left > 0) {
      start(new SessionExpire(side), left); // refreshed meanwhile
      return Optional.empty();
    }
    if (t.sbcRefreshes() && transactions.ownPending(side, ClientTransaction.Purpose.REFRESH)) {
      // The SBC's own refresh is still in its transaction (late: retransmitted, or sent again
      // after its gateway died). Its outcome decides: a 2xx refreshes the leg, a timeout, 408
      // or 481 ends the call (RFC 4028 §10), within the transaction timeout.
      start(new SessionExpire(side), 1000);
      return Optional.empty();
    }
    metrics.sessionsExpired.increment();
    log.info("call {}: no session refresh on leg {} by its deadline ({} s interval, refresher: {}); ending the call",
        entityId, side, t.intervalSeconds(), t.sbcRefreshes() ? "SBC" : "peer");
    effects.persist(new SessionExpired(side));
    call.trail().add("no refresh on leg " + side + " by its deadline");
    return Optional.of("session expired on leg " + side);
  }

  private void refresh(Side side) throws Exception {
    SessionTimer t = timers.get(side);
    if (!call.confirmed() || t == null || !t.sbcRefreshes()) {
      return;
    }
    if (transactions.offerSentPending(side) || transactions.offerReceivedPending(side, null, false)) {
      start(new SessionRefresh(side), 1000); // an offer is in progress on the leg: try again shortly
      return;
    }
    String method = t.refreshMethod(settings().refreshMethod());
    Leg leg = call.leg(side);
    if (method.equals("INVITE") && leg.localSdp().isEmpty()) {
      method = "UPDATE"; // a re-INVITE needs an offer; without one, a bodiless UPDATE refreshes
    }
    String refreshMethod = method;
    tx.sendInDialog(side, method, null, null, req -> {
      if (refreshMethod.equals("INVITE")) {
        // same origin version: nothing changes (RFC 3264 §8)
        build.setSdp(req, call.leg(side).localSdp());
      }
      addRequestHeaders(req, t);
    }).purpose(ClientTransaction.Purpose.REFRESH);
    metrics.refreshesSent.increment();
  }

  /** A final non-2xx to the SBC's own refresh; returns why the call must end, if it must. */
  public Optional<String> refreshRejected(ClientTransaction ct, SIPResponse resp) {
    return failures.rejected(ct, resp);
  }

  /** The SBC's own refresh got no usable answer; returns why the call must end. */
  public Optional<String> refreshFailed(ClientTransaction ct, String what) {
    return failures.failed(ct, what);
  }

  public void cancelTimers() {
    for (Side side : Side.values()) {
      effects.cancelTimer(new SessionExpire(side));
      effects.cancelTimer(new SessionRefresh(side));
    }
  }

  private void start(TimerKey key, long delayMillis) {
    effects.startTimer(key, Duration.ofMillis(Math.max(0, delayMillis)));
  }
}
