package io.sbc.node.http;

import static io.sbc.node.http.JsonReplies.error;
import static io.sbc.node.http.JsonReplies.errorResponse;
import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.optionalHeaderValueByName;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;

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

  /** {@code then} for a request with the token; 401 (with {@code WWW-Authenticate: Bearer}) or 403 otherwise. */
  Route guard(Supplier<Route> then) {
    return optionalHeaderValueByName("Authorization", auth -> switch (check(auth)) {
      case ALLOWED -> then.get();
      case UNAUTHORIZED -> complete(errorResponse(StatusCodes.UNAUTHORIZED, "missing or wrong admin token")
          .addHeader(RawHeader.create("WWW-Authenticate", "Bearer")));
      case WRITES_DISABLED -> error(StatusCodes.FORBIDDEN,
          "writes are disabled: this node has no admin token (SBC_ADMIN_TOKEN)");
    });
  }
}
