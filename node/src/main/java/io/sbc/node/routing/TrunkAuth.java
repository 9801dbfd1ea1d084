package io.sbc.node.routing;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The SBC's own credentials at a route's next hop, for answering its 401/407 challenges (RFC 3261
 * §22.2, digest of RFC 7616). The password is never part of the configuration or the route table:
 * {@code passwordEnv} names the environment variable that holds it, on every node.
 *
 * @param realm the realm these credentials are for; empty: any realm the next hop challenges with
 */
public record TrunkAuth(String username, String passwordEnv, String realm) {
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  public TrunkAuth {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(passwordEnv, "password-env");
    realm = realm == null ? "" : realm;
    if (username.isBlank()) {
      throw new IllegalArgumentException("auth: username must not be empty");
    }
    if (!ENV_NAME.matcher(passwordEnv).matches()) {
      throw new IllegalArgumentException("auth: password-env must name an environment variable (letters, digits, _), got '"
          + passwordEnv + "'");
    }
  }

  /** Whether these credentials answer a challenge of {@code challengeRealm}. */
  public boolean answers(String challengeRealm) {
    return realm.isEmpty() || realm.equals(challengeRealm);
  }
}
