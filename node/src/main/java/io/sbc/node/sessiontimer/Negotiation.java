package io.sbc.node.sessiontimer;

import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.node.config.SbcSettings.SessionTimerSettings;
import io.sbc.node.dialog.SessionTimer;
import io.sbc.protocol.timer.SessionTimerHeaders;
import io.sbc.protocol.timer.SessionTimerHeaders.Role;
import io.sbc.protocol.timer.SessionTimerHeaders.SessionExpires;
import java.util.Optional;

/** RFC 4028 negotiation of one leg's session timer, from the SBC's UAS or UAC side. Pure. */
final class Negotiation {
  private Negotiation() {}

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
   * the answer fixes interval and refresher. Without one the peer runs no timer and the leg has
   * no session expiration (§7.2): null, unless the SBC is configured to keep such a leg alive
   * with its own refreshes, which then never end the call for a rejection other than 408/481.
   */
  static SessionTimer asUac(SIPResponse response, long requestedSeconds, SessionTimer current, long nowMillis,
      SessionTimerSettings settings) {
    Optional<SessionExpires> se = SessionTimerHeaders.sessionExpires(response);
    boolean allowsUpdate = response.getHeader("Allow") != null
        ? SessionTimerHeaders.allows(response, "UPDATE")
        : current != null && current.peerAllowsUpdate();
    if (se.isEmpty()) {
      return settings.refreshPeersWithoutTimer()
          ? new SessionTimer(requestedSeconds, true, SessionTimerHeaders.supportsTimer(response), allowsUpdate, nowMillis, true)
          : null;
    }
    boolean sbcRefreshes = se.get().refresher().map(r -> r == Role.UAC).orElse(true);
    return new SessionTimer(se.get().seconds(), sbcRefreshes, true, allowsUpdate, nowMillis);
  }
}
