package io.sbc.node;

import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.gateway.CborSerializable;
import io.sbc.node.SbcSettings.RefreshMethod;
import io.sbc.node.SbcSettings.SessionTimerSettings;
import io.sbc.protocol.timer.SessionTimerHeaders;
import io.sbc.protocol.timer.SessionTimerHeaders.Role;
import io.sbc.protocol.timer.SessionTimerHeaders.SessionExpires;
import java.util.Optional;

/**
 * The RFC 4028 session timer of one leg, as negotiated with that leg's peer (the other leg has
 * its own). Persisted, so that a recovered call fires at the same deadline.
 *
 * @param intervalSeconds the negotiated session interval
 * @param sbcRefreshes whether the SBC (not the peer) sends the refreshes on this leg
 * @param peerSupportsTimer the peer said "timer" in Supported/Require (RFC 4028 §7.1, §9)
 * @param peerAllowsUpdate the peer listed UPDATE in Allow (RFC 3311), so refreshes may use it
 * @param refreshedAtMillis wall-clock time of the last successful refresh (or establishment)
 */
public record SessionTimer(
    long intervalSeconds,
    boolean sbcRefreshes,
    boolean peerSupportsTimer,
    boolean peerAllowsUpdate,
    long refreshedAtMillis)
    implements CborSerializable {

  /** RFC 4028 §10: without a refresh by then, the session is over. */
  public long deadlineMillis() {
    return refreshedAtMillis + SessionTimerHeaders.expiryDelayMillis(intervalSeconds);
  }

  /** When the SBC, as refresher, sends the next refresh. */
  public long refreshDueMillis() {
    return refreshedAtMillis + SessionTimerHeaders.refreshDelayMillis(intervalSeconds);
  }

  public SessionTimer refreshedAt(long nowMillis) {
    return new SessionTimer(intervalSeconds, sbcRefreshes, peerSupportsTimer, peerAllowsUpdate, nowMillis);
  }

  public SessionTimer withInterval(long seconds) {
    return new SessionTimer(seconds, sbcRefreshes, peerSupportsTimer, peerAllowsUpdate, refreshedAtMillis);
  }

  public SessionTimer withoutUpdate() {
    return new SessionTimer(intervalSeconds, sbcRefreshes, peerSupportsTimer, false, refreshedAtMillis);
  }

  /** Same negotiated terms (only the refresh time may differ): a refresh, not a re-arming. */
  public boolean sameTerms(SessionTimer o) {
    return o != null && intervalSeconds == o.intervalSeconds && sbcRefreshes == o.sbcRefreshes
        && peerSupportsTimer == o.peerSupportsTimer && peerAllowsUpdate == o.peerAllowsUpdate;
  }

  /** The method of an SBC refresh on this leg. */
  public String refreshMethod(RefreshMethod configured) {
    return switch (configured) {
      case INVITE -> "INVITE";
      case UPDATE -> "UPDATE";
      case AUTO -> peerAllowsUpdate ? "UPDATE" : "INVITE";
    };
  }

  /** Session-Expires the SBC puts in a request it sends on this leg (it is the UAC there). */
  public SessionExpires forRequest() {
    return new SessionExpires(intervalSeconds, Optional.of(sbcRefreshes ? Role.UAC : Role.UAS));
  }

  /** Session-Expires the SBC puts in a 2xx it sends on this leg (it is the UAS there). */
  public SessionExpires forResponse() {
    return new SessionExpires(intervalSeconds, Optional.of(sbcRefreshes ? Role.UAS : Role.UAC));
  }

  /**
   * RFC 4028 §9: a request asking for less than the SBC's Min-SE gets 422; returns the Min-SE
   * to put in it, or empty when the request is acceptable.
   */
  static Optional<Long> tooSmall(SIPRequest request, SessionTimerSettings settings) {
    long minSe = settings.minSe().toSeconds();
    return SessionTimerHeaders.sessionExpires(request)
        .filter(se -> se.seconds() < minSe)
        .map(se -> minSe);
  }

  /**
   * The SBC as UAS on a leg (RFC 4028 §9): the peer's request decides the interval and the
   * refresher; a peer that did not ask gets the current (or configured) interval, and the SBC
   * refreshes unless the peer supports timers, in which case the peer (UAC) does.
   */
  static SessionTimer asUas(SIPRequest request, SessionTimerSettings settings, SessionTimer current, long nowMillis) {
    Optional<SessionExpires> se = SessionTimerHeaders.sessionExpires(request);
    // A refresh that restates nothing keeps the terms in force (no flip-flop of the refresher).
    boolean keep = se.isEmpty() && current != null;
    boolean supports = SessionTimerHeaders.supportsTimer(request) || (keep && current.peerSupportsTimer());
    long floor = Math.max(settings.minSe().toSeconds(), SessionTimerHeaders.minSe(request).orElse(0L));
    long interval = se.map(SessionExpires::seconds)
        .orElse(current != null ? current.intervalSeconds() : settings.sessionExpires().toSeconds());
    interval = Math.max(interval, floor);
    boolean sbcRefreshes = se.flatMap(SessionExpires::refresher)
        .map(r -> r == Role.UAS)
        .orElse(keep ? current.sbcRefreshes() : !supports);
    boolean allowsUpdate = request.getHeader("Allow") != null
        ? SessionTimerHeaders.allows(request, "UPDATE")
        : current != null && current.peerAllowsUpdate();
    return new SessionTimer(interval, sbcRefreshes, supports, allowsUpdate, nowMillis);
  }

  /**
   * The SBC as UAC on a leg (RFC 4028 §7.4), from the 2xx to its request: a Session-Expires in
   * the answer fixes interval and refresher. Without one the peer does not run a timer, so the
   * SBC keeps the leg alive itself with the interval it asked for.
   */
  static SessionTimer asUac(SIPResponse response, long requestedSeconds, SessionTimer current, long nowMillis) {
    Optional<SessionExpires> se = SessionTimerHeaders.sessionExpires(response);
    boolean allowsUpdate = response.getHeader("Allow") != null
        ? SessionTimerHeaders.allows(response, "UPDATE")
        : current != null && current.peerAllowsUpdate();
    if (se.isEmpty()) {
      return new SessionTimer(requestedSeconds, true, SessionTimerHeaders.supportsTimer(response), allowsUpdate, nowMillis);
    }
    boolean sbcRefreshes = se.get().refresher().map(r -> r == Role.UAC).orElse(true);
    return new SessionTimer(se.get().seconds(), sbcRefreshes, true, allowsUpdate, nowMillis);
  }
}
