package io.sbc.node.sessiontimer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sbc.node.config.SbcSettings.SessionTimerSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The JSON form of the runtime session-timer settings, the same for the HTTP API ({@code
 * "session-timer"} of {@code /sbc/policy}) and the cluster-wide store: {@code {"enabled": true,
 * "session-expires": 1800, "min-se": 90}} (seconds). The refresh method is not part of it: it stays
 * as configured.
 */
public final class SessionTimerJson {
  /** The longest interval accepted at runtime (CUBE's limit too); longer ones exceed Pekko's timers anyway. */
  public static final long MAX_SECONDS = 86_400;
  private static final String ENABLED = "enabled";
  private static final String SESSION_EXPIRES = "session-expires";
  private static final String MIN_SE = "min-se";
  private static final Set<String> FIELDS = Set.of(ENABLED, SESSION_EXPIRES, MIN_SE);

  private SessionTimerJson() {}

  /** A change of some of the settings; the others keep the value in force. */
  public record Change(Optional<Boolean> enabled, Optional<Long> sessionExpires, Optional<Long> minSe) {
    /**
     * The settings after this change of {@code base}. Throws {@link IllegalArgumentException} when
     * they would break RFC 4028's rule (session-expires at least min-se), naming the values.
     */
    public SessionTimerSettings applyTo(SessionTimerSettings base) {
      long se = sessionExpires.orElse(base.sessionExpires().toSeconds());
      long min = minSe.orElse(base.minSe().toSeconds());
      if (se < min) {
        throw new IllegalArgumentException("session-timer: session-expires " + se + " s"
            + (sessionExpires.isEmpty() ? " (in force)" : "") + " is below min-se " + min + " s"
            + (minSe.isEmpty() ? " (in force)" : "") + "; session-expires must be at least min-se");
      }
      return new SessionTimerSettings(enabled.orElse(base.enabled()), Duration.ofSeconds(se), Duration.ofSeconds(min),
          base.refreshMethod(), base.refreshPeersWithoutTimer());
    }

    /** {@code enabled=true, session-expires=600 s}, for log lines. */
    public String describe() {
      List<String> parts = new ArrayList<>();
      enabled.ifPresent(e -> parts.add(ENABLED + "=" + e));
      sessionExpires.ifPresent(s -> parts.add(SESSION_EXPIRES + "=" + s + " s"));
      minSe.ifPresent(s -> parts.add(MIN_SE + "=" + s + " s"));
      return String.join(", ", parts);
    }
  }

  /**
   * Reads a change: an object with at least one of {@code enabled} (boolean), {@code
   * session-expires} and {@code min-se} (whole seconds, 1 to {@value #MAX_SECONDS}); nothing else.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static Change parseChange(JsonNode json) {
    if (json == null || !json.isObject()) {
      throw new IllegalArgumentException("session-timer must be an object like "
          + "{\"enabled\": true, \"session-expires\": 1800, \"min-se\": 90}, got " + json);
    }
    for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!FIELDS.contains(field)) {
        throw new IllegalArgumentException("session-timer: unknown field '" + field
            + "' (known: enabled, session-expires, min-se)");
      }
    }
    Change change = new Change(flag(json), seconds(json, SESSION_EXPIRES), seconds(json, MIN_SE));
    if (change.enabled().isEmpty() && change.sessionExpires().isEmpty() && change.minSe().isEmpty()) {
      throw new IllegalArgumentException("session-timer: give at least one of enabled, session-expires, min-se");
    }
    return change;
  }

  private static Optional<Boolean> flag(JsonNode json) {
    JsonNode v = json.get(ENABLED);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isBoolean()) {
      throw new IllegalArgumentException("session-timer.enabled must be true or false, got " + v);
    }
    return Optional.of(v.booleanValue());
  }

  private static Optional<Long> seconds(JsonNode json, String field) {
    JsonNode v = json.get(field);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new IllegalArgumentException("session-timer." + field + " must be a whole number of seconds, got " + v);
    }
    long s = v.longValue();
    if (s < 1 || s > MAX_SECONDS) {
      throw new IllegalArgumentException("session-timer." + field + " must be between 1 and " + MAX_SECONDS
          + " s, got " + s);
    }
    return Optional.of(s);
  }

  /** The three runtime settings as JSON. */
  public static ObjectNode toJson(SessionTimerSettings s) {
    return JsonNodeFactory.instance.objectNode()
        .put(ENABLED, s.enabled())
        .put(SESSION_EXPIRES, s.sessionExpires().toSeconds())
        .put(MIN_SE, s.minSe().toSeconds());
  }

  /** Reads the stored form: all three settings; the refresh method comes from {@code configured}. */
  static SessionTimerSettings parseStored(JsonNode json, SessionTimerSettings configured) {
    Change c = parseChange(json);
    if (c.enabled().isEmpty() || c.sessionExpires().isEmpty() || c.minSe().isEmpty()) {
      throw new IllegalArgumentException("stored session-timer settings need enabled, session-expires and min-se");
    }
    return c.applyTo(configured);
  }

  /** {@code on, Session-Expires 1800 s, Min-SE 90 s}, for log lines. */
  public static String describe(SessionTimerSettings s) {
    return (s.enabled() ? "on" : "off") + ", Session-Expires " + s.sessionExpires().toSeconds() + " s, Min-SE "
        + s.minSe().toSeconds() + " s" + (s.minSe().toSeconds() < 90 ? " (below the 90 s RFC 4028 asks for)" : "");
  }
}
