package io.sbc.node.auth;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One Digest challenge of a WWW-Authenticate or Proxy-Authenticate header (RFC 7616 §3.3, RFC
 * 3261 §20.44/§20.27): {@code Digest realm="...", nonce="...", qop="auth,auth-int",
 * algorithm=SHA-256, opaque="...", stale=false}. Parsing never throws: anything that is not a
 * usable Digest challenge is empty.
 *
 * @param algorithm as written, {@code MD5} when absent (RFC 7616 §3.3)
 * @param qops the qop options offered, lower case (empty: the RFC 2069 form without qop)
 * @param opaque null when absent
 */
public record DigestChallenge(String realm, String nonce, String algorithm, List<String> qops, String opaque,
    boolean stale) {
  public DigestChallenge {
    qops = List.copyOf(qops);
  }

  /** The challenge in a header value, if it is a Digest challenge with a realm and a nonce. */
  public static Optional<DigestChallenge> parse(String headerValue) {
    if (headerValue == null) {
      return Optional.empty();
    }
    String v = headerValue.trim();
    int space = v.indexOf(' ');
    if (space < 0 || !v.substring(0, space).equalsIgnoreCase("Digest")) {
      return Optional.empty();
    }
    Map<String, String> params = params(v.substring(space + 1));
    if (params == null || params.get("realm") == null || params.get("nonce") == null) {
      return Optional.empty();
    }
    List<String> qops = new ArrayList<>();
    String qop = params.get("qop");
    if (qop != null) {
      for (String q : qop.split(",")) {
        if (!q.isBlank()) {
          qops.add(q.trim().toLowerCase(Locale.ROOT));
        }
      }
    }
    String algorithm = params.getOrDefault("algorithm", "MD5");
    return Optional.of(new DigestChallenge(params.get("realm"), params.get("nonce"), algorithm, qops,
        params.get("opaque"), "true".equalsIgnoreCase(params.get("stale"))));
  }

  /**
   * {@code name=token} and {@code name="quoted \" string"} pairs separated by commas; names lower
   * case, the first of a repeated name wins; null when the text is not such a list.
   */
  static Map<String, String> params(String text) {
    Map<String, String> out = new LinkedHashMap<>();
    int i = 0;
    int n = text.length();
    while (i < n) {
      while (i < n && (text.charAt(i) == ',' || Character.isWhitespace(text.charAt(i)))) {
        i++;
      }
      if (i >= n) {
        break;
      }
      int eq = text.indexOf('=', i);
      if (eq < 0) {
        return null;
      }
      String name = text.substring(i, eq).trim().toLowerCase(Locale.ROOT);
      if (name.isEmpty() || name.contains(" ") || name.contains(",")) {
        return null;
      }
      i = eq + 1;
      while (i < n && Character.isWhitespace(text.charAt(i))) {
        i++;
      }
      StringBuilder value = new StringBuilder();
      if (i < n && text.charAt(i) == '"') {
        i++;
        boolean closed = false;
        while (i < n) {
          char c = text.charAt(i++);
          if (c == '\\' && i < n) {
            value.append(text.charAt(i++));
          } else if (c == '"') {
            closed = true;
            break;
          } else {
            value.append(c);
          }
        }
        if (!closed) {
          return null;
        }
      } else {
        while (i < n && text.charAt(i) != ',') {
          value.append(text.charAt(i++));
        }
      }
      out.putIfAbsent(name, value.toString().trim());
    }
    return out;
  }
}
