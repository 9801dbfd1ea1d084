package io.sbc.node.http;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * Who may write: a request whose {@code Authorization: Bearer <token>} matches the configured admin
 * token (compared in constant time). Without a configured token nobody may write.
 */
final class AdminToken {
  /** What the check says about a write. */
  enum Verdict {
    ALLOWED,
    /** 401: no or a wrong token. */
    UNAUTHORIZED,
    /** 403: the node has no admin token, so writes are off. */
    WRITES_DISABLED
  }

  private static final String BEARER = "Bearer ";

  private final byte[] token;

  AdminToken(String configured) {
    this.token = configured == null ? new byte[0] : configured.trim().getBytes(StandardCharsets.UTF_8);
  }

  boolean configured() {
    return token.length > 0;
  }

  Verdict check(Optional<String> authorization) {
    if (!configured()) {
      return Verdict.WRITES_DISABLED;
    }
    String given = authorization.filter(h -> h.regionMatches(true, 0, BEARER, 0, BEARER.length()))
        .map(h -> h.substring(BEARER.length()).trim())
        .orElse("");
    return MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8)) ? Verdict.ALLOWED : Verdict.UNAUTHORIZED;
  }
}
