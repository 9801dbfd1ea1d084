package io.sbc.node.routing;

import java.util.Locale;

/**
 * How the SBC writes the Request-URI of a call's INVITE to the next hop (the route's {@code
 * request-uri}). Whatever the form, the INVITE is sent to the route's next hop.
 */
public enum RequestUriForm {
  /** {@code sip:<user>@<next hop>}, with {@code ;user=phone} when the caller dialled a number (RFC 3261 §19.1.6). */
  NEXT_HOP("next-hop"),
  /** A dialled number as {@code tel:<number>} (RFC 3966); a SIP user as {@link #NEXT_HOP}. */
  TEL("tel"),
  /**
   * The caller's Request-URI unchanged: the trunk sees the URI the caller addressed, so a digest the
   * caller computed over it (its {@code uri} parameter, RFC 7616 §3.4) verifies at the trunk.
   */
  AS_RECEIVED("as-received");

  private final String keyword;

  RequestUriForm(String keyword) {
    this.keyword = keyword;
  }

  public String keyword() {
    return keyword;
  }

  public static RequestUriForm parse(String text) {
    for (RequestUriForm f : values()) {
      if (f.keyword.equals(text.trim().toLowerCase(Locale.ROOT))) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown request-uri '" + text + "' (next-hop, tel or as-received)");
  }
}
