package io.sbc.node.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;

/**
 * The answer to a Digest challenge, as a UAC computes it (RFC 7616 §3.4, for SIP RFC 3261 §22.4):
 * <pre>
 * A1 = username ":" realm ":" password           (-sess: H(A1) ":" nonce ":" cnonce)
 * A2 = method ":" digest-uri                     (auth-int: ... ":" H(body))
 * response = H(H(A1) ":" nonce ":" nc ":" cnonce ":" qop ":" H(A2))   with qop
 *          = H(H(A1) ":" nonce ":" H(A2))                             without (RFC 2069)
 * </pre>
 * Algorithms MD5, SHA-256, SHA-512-256 and their -sess forms; qop {@code auth} is preferred to
 * {@code auth-int}. Pure and thread-safe.
 */
public final class DigestClient {
  private static final SecureRandom RANDOM = new SecureRandom();

  private DigestClient() {}

  /** The hash of an algorithm name, or empty when the SBC does not support it. */
  static Optional<String> hashOf(String algorithm) {
    String a = algorithm.toUpperCase(Locale.ROOT);
    if (a.endsWith("-SESS")) {
      a = a.substring(0, a.length() - 5);
    }
    return switch (a) {
      case "MD5" -> Optional.of("MD5");
      case "SHA-256" -> Optional.of("SHA-256");
      case "SHA-512-256" -> Optional.of("SHA-512/256");
      default -> Optional.empty();
    };
  }

  /** Whether the SBC can answer this challenge (a known algorithm, and qop auth, auth-int or none). */
  public static boolean supports(DigestChallenge c) {
    return hashOf(c.algorithm()).isPresent() && (c.qops().isEmpty() || qop(c) != null)
        && !(sess(c) && c.qops().isEmpty()); // -sess needs a cnonce, which only a qop exchange has
  }

  /** A fresh client nonce: 16 random bytes in hex. */
  public static String newCnonce() {
    byte[] b = new byte[16];
    RANDOM.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /**
   * The value of the Authorization (401) or Proxy-Authorization (407) header answering {@code c}
   * for a request of {@code method} to {@code uri}, its {@code nc}-th use of the nonce.
   *
   * @throws IllegalArgumentException when the challenge is not {@link #supports supported}
   */
  public static String authorization(DigestChallenge c, String username, String password, String method,
      String uri, byte[] body, String cnonce, long nc) {
    if (!supports(c)) {
      throw new IllegalArgumentException("unsupported digest challenge: algorithm " + c.algorithm() + ", qop " + c.qops());
    }
    String qop = c.qops().isEmpty() ? null : qop(c);
    String ncText = String.format("%08x", nc);
    String response = response(c, username, password, method, uri, body, qop, cnonce, ncText);
    StringBuilder h = new StringBuilder("Digest username=").append(quote(username))
        .append(", realm=").append(quote(c.realm()))
        .append(", nonce=").append(quote(c.nonce()))
        .append(", uri=").append(quote(uri))
        .append(", response=").append(quote(response))
        .append(", algorithm=").append(c.algorithm());
    if (qop != null) {
      h.append(", qop=").append(qop).append(", nc=").append(ncText).append(", cnonce=").append(quote(cnonce));
    }
    if (c.opaque() != null) {
      h.append(", opaque=").append(quote(c.opaque()));
    }
    return h.toString();
  }

  /** The {@code response} value (hex) of RFC 7616 §3.4.1; {@code qop} null for none. */
  static String response(DigestChallenge c, String username, String password, String method, String uri,
      byte[] body, String qop, String cnonce, String nc) {
    String hash = hashOf(c.algorithm()).orElseThrow();
    String ha1 = h(hash, username + ":" + c.realm() + ":" + password);
    if (sess(c)) {
      ha1 = h(hash, ha1 + ":" + c.nonce() + ":" + cnonce);
    }
    String a2 = method + ":" + uri;
    if ("auth-int".equals(qop)) {
      a2 = a2 + ":" + h(hash, body == null ? new byte[0] : body);
    }
    String ha2 = h(hash, a2);
    return qop == null
        ? h(hash, ha1 + ":" + c.nonce() + ":" + ha2)
        : h(hash, ha1 + ":" + c.nonce() + ":" + nc + ":" + cnonce + ":" + qop + ":" + ha2);
  }

  private static String qop(DigestChallenge c) {
    return c.qops().contains("auth") ? "auth" : c.qops().contains("auth-int") ? "auth-int" : null;
  }

  private static boolean sess(DigestChallenge c) {
    return c.algorithm().toUpperCase(Locale.ROOT).endsWith("-SESS");
  }

  private static String h(String hash, String text) {
    return h(hash, text.getBytes(StandardCharsets.UTF_8));
  }

  private static String h(String hash, byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance(hash).digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM lacks " + hash, e);
    }
  }

  /** A quoted-string (RFC 3261 §25.1): backslash and double quote escaped. */
  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
