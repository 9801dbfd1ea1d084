package io.sbc.protocol.uri;

import java.util.Locale;
import javax.sip.address.SipURI;
import javax.sip.address.TelURL;
import javax.sip.address.URI;

/**
 * Who a Request-URI addresses, as routing and the B-leg need it: the user part (for a {@code tel:}
 * URI the whole telephone-subscriber, RFC 3966 §3), the host (empty for {@code tel:}), and whether
 * it is a telephone number ({@code tel:}, or a SIP URI with {@code user=phone}, RFC 3261 §19.1.1).
 *
 * @param user the user part as written (null: none), e.g. {@code +49-30-123456} or {@code 1234;phone-context=example.com}
 * @param host the SIP URI's host, "" for {@code tel:} and other schemes
 * @param phone a telephone number: the B-leg keeps {@code ;user=phone} (or {@code tel:})
 */
public record RequestTarget(String user, String host, boolean phone) {
  public RequestTarget {
    host = host == null ? "" : host;
    user = user == null || user.isEmpty() ? null : user;
  }

  /** The target of a Request-URI (never null; an unusable URI has no user and no host). */
  public static RequestTarget of(URI uri) {
    if (uri instanceof SipURI sip) {
      return new RequestTarget(sip.getUser(), sip.getHost(), "phone".equalsIgnoreCase(sip.getUserParam()));
    }
    if (uri instanceof TelURL tel) {
      // tel:<telephone-subscriber>: the number with its parameters (phone-context, ext, isub)
      String text = tel.toString().trim();
      return new RequestTarget(text.substring(text.indexOf(':') + 1), "", true);
    }
    return new RequestTarget(null, "", false);
  }

  /**
   * The user to route on: for a number, its digits (and leading '+') without the visual
   * separators {@code - . ( )} and without parameters, since RFC 3966 §5.1.1 says separators
   * carry no meaning and two numbers differing only in them are equal; any other user as is.
   */
  public String routingUser() {
    return user == null ? null : phone ? number(user) : user;
  }

  /** A telephone-subscriber's number: visual separators and parameters dropped ({@code +49-30-1;ext=2} → {@code +49301}). */
  public static String number(String subscriber) {
    int semi = subscriber.indexOf(';');
    String digits = semi < 0 ? subscriber : subscriber.substring(0, semi);
    StringBuilder out = new StringBuilder(digits.length());
    for (char c : digits.toCharArray()) {
      if (c != '-' && c != '.' && c != '(' && c != ')' && !Character.isWhitespace(c)) {
        out.append(c);
      }
    }
    return out.toString().toUpperCase(Locale.ROOT); // hex digits and DTMF letters compare case-insensitively
  }
}
