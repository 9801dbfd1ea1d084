package io.sbc.node.dialog;

import io.sbc.gateway.CborSerializable;
import io.sbc.node.config.SbcSettings.RefreshMethod;
import io.sbc.protocol.timer.SessionTimerHeaders;
import io.sbc.protocol.timer.SessionTimerHeaders.Role;
import io.sbc.protocol.timer.SessionTimerHeaders.SessionExpires;
import java.util.Optional;

/**
 * The RFC 4028 session timer of one leg, as negotiated with that leg's peer (the other leg has
 * its own). Persisted, so that a recovered call fires at the same deadline. How the terms are
 * negotiated is in {@code io.sbc.node.sessiontimer.Negotiation}.
 *
 * @param intervalSeconds the negotiated session interval
 * @param sbcRefreshes whether the SBC (not the peer) sends the refreshes on this leg
 * @param peerSupportsTimer the peer said "timer" in Supported/Require (RFC 4028 §7.1, §9)
 * @param peerAllowsUpdate the peer listed UPDATE in Allow (RFC 3311), so refreshes may use it
 * @param refreshedAtMillis wall-clock time of the last successful refresh (or establishment)
 * @param keepAliveOnly the peer runs no timer (its 2xx had no Session-Expires) and the SBC only
 *     keeps the leg alive with its refreshes: the leg never expires (RFC 4028 §7.2); false in
 *     journals written before this field
 */
public record SessionTimer(
    long intervalSeconds,
    boolean sbcRefreshes,
    boolean peerSupportsTimer,
    boolean peerAllowsUpdate,
    long refreshedAtMillis,
    boolean keepAliveOnly)
    implements CborSerializable {

  public SessionTimer(long intervalSeconds, boolean sbcRefreshes, boolean peerSupportsTimer, boolean peerAllowsUpdate,
      long refreshedAtMillis) {
    this(intervalSeconds, sbcRefreshes, peerSupportsTimer, peerAllowsUpdate, refreshedAtMillis, false);
  }

  /** RFC 4028 §10: without a refresh by then, the session is over. */
  public long deadlineMillis() {
    return refreshedAtMillis + SessionTimerHeaders.expiryDelayMillis(intervalSeconds);
  }

  /** When the SBC, as refresher, sends the next refresh. */
  public long refreshDueMillis() {
    return refreshedAtMillis + SessionTimerHeaders.refreshDelayMillis(intervalSeconds);
  }

  public SessionTimer withoutUpdate() {
    return new SessionTimer(intervalSeconds, sbcRefreshes, peerSupportsTimer, false, refreshedAtMillis, keepAliveOnly);
  }

  /** Same negotiated terms (only the refresh time may differ): a refresh, not a re-arming. */
  public boolean sameTerms(SessionTimer o) {
    return o != null && intervalSeconds == o.intervalSeconds && sbcRefreshes == o.sbcRefreshes
        && peerSupportsTimer == o.peerSupportsTimer && peerAllowsUpdate == o.peerAllowsUpdate
        && keepAliveOnly == o.keepAliveOnly;
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
}
