package io.sbc.protocol.timer;

import gov.nist.javax.sip.header.extensions.MinSE;
import gov.nist.javax.sip.header.extensions.MinSEHeader;
import gov.nist.javax.sip.header.extensions.SessionExpiresHeader;
import gov.nist.javax.sip.message.SIPMessage;
import java.util.Iterator;
import java.util.Locale;
import java.util.Optional;
import javax.sip.header.Header;

/**
 * Reads the RFC 4028 headers of a message as plain values: Session-Expires (delta-seconds and
 * the optional refresher role), Min-SE, and whether "timer" is in Supported or Require. The
 * JAIN-SIP parser already turns both headers into typed objects; a malformed one is absent.
 */
public final class SessionTimerHeaders {
  private SessionTimerHeaders() {}

  /** Who refreshes, in the roles of the transaction that carried the header (RFC 4028 §4). */
  public enum Role { UAC, UAS }

  /** A Session-Expires value; {@code refresher} is empty when the parameter was absent. */
  public record SessionExpires(long seconds, Optional<Role> refresher) {
    public String headerValue() {
      return seconds + refresher.map(r -> ";refresher=" + r.name().toLowerCase(Locale.ROOT)).orElse("");
    }
  }

  public static Optional<SessionExpires> sessionExpires(SIPMessage msg) {
    Header h = msg.getHeader(SessionExpiresHeader.NAME);
    if (!(h instanceof SessionExpiresHeader se) || se.getExpires() <= 0) {
      return Optional.empty();
    }
    String r = se.getRefresher();
    Optional<Role> role = Optional.empty();
    if (r != null && r.equalsIgnoreCase("uac")) {
      role = Optional.of(Role.UAC);
    } else if (r != null && r.equalsIgnoreCase("uas")) {
      role = Optional.of(Role.UAS);
    }
    return Optional.of(new SessionExpires(se.getExpires(), role));
  }

  public static Optional<Long> minSe(SIPMessage msg) {
    Header h = msg.getHeader(MinSEHeader.NAME);
    return h instanceof MinSE m && m.getExpires() > 0 ? Optional.of((long) m.getExpires()) : Optional.empty();
  }

  /** "timer" in Supported (or Require): the sender implements RFC 4028. */
  public static boolean supportsTimer(SIPMessage msg) {
    return hasOptionTag(msg, "Supported", "timer") || hasOptionTag(msg, "Require", "timer");
  }

  /** Whether {@code method} is listed in the message's Allow header(s). */
  public static boolean allows(SIPMessage msg, String method) {
    return hasOptionTag(msg, "Allow", method);
  }

  private static boolean hasOptionTag(SIPMessage msg, String name, String tag) {
    Iterator<?> it = msg.getHeaders(name);
    while (it != null && it.hasNext()) {
      String value = ((Header) it.next()).toString();
      int colon = value.indexOf(':');
      for (String t : value.substring(colon + 1).split(",")) {
        if (t.trim().equalsIgnoreCase(tag)) {
          return true;
        }
      }
    }
    return false;
  }

  /**
   * RFC 4028 §10: the side not refreshing ends the session this long after the last refresh,
   * the interval minus min(32 s, interval/3), so a late refresh in flight still counts.
   */
  public static long expiryDelayMillis(long intervalSeconds) {
    long interval = intervalSeconds * 1000;
    return interval - Math.min(32_000, interval / 3);
  }

  /** RFC 4028 §10: the refresher refreshes at half the interval. */
  public static long refreshDelayMillis(long intervalSeconds) {
    return intervalSeconds * 1000 / 2;
  }
}
