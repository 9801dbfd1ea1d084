package io.sbc.node.sessiontimer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sbc.node.config.SbcSettings.RefreshMethod;
import io.sbc.node.config.SbcSettings.SessionTimerSettings;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The runtime session-timer settings' JSON: shape, partial changes merged with what is in force, every error. */
class SessionTimerJsonTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SessionTimerSettings IN_FORCE =
      new SessionTimerSettings(true, Duration.ofSeconds(1800), Duration.ofSeconds(90), RefreshMethod.UPDATE);

  private static SessionTimerJson.Change change(String json) throws Exception {
    return SessionTimerJson.parseChange(JSON.readTree(json));
  }

  private static String error(String json) {
    return assertThrows(IllegalArgumentException.class, () -> change(json).applyTo(IN_FORCE)).getMessage();
  }

  private static SessionTimerSettings settings(boolean enabled, long sessionExpires, long minSe, RefreshMethod method) {
    return new SessionTimerSettings(enabled, Duration.ofSeconds(sessionExpires), Duration.ofSeconds(minSe), method);
  }

  @Test
  void theShapeIsThreeFieldsInSeconds() {
    assertEquals("{\"enabled\":true,\"session-expires\":1800,\"min-se\":90}", SessionTimerJson.toJson(IN_FORCE).toString());
  }

  @Test
  void aChangeKeepsWhatItDoesNotNameAndTheRefreshMethod() throws Exception {
    assertEquals(settings(true, 600, 90, RefreshMethod.UPDATE), change("{\"session-expires\": 600}").applyTo(IN_FORCE));
    assertEquals(settings(false, 1800, 90, RefreshMethod.UPDATE), change("{\"enabled\": false}").applyTo(IN_FORCE));
    assertEquals(settings(true, 300, 300, RefreshMethod.UPDATE),
        change("{\"enabled\": true, \"session-expires\": 300, \"min-se\": 300}").applyTo(IN_FORCE));
    assertEquals(new SessionTimerJson.Change(Optional.empty(), Optional.of(600L), Optional.empty()),
        change("{\"session-expires\": 600, \"enabled\": null}"), "null is the same as left out");
    assertEquals("enabled=false, min-se=120 s", change("{\"enabled\": false, \"min-se\": 120}").describe());
  }

  @Test
  void everyMistakeIsNamedAndRfc4028sRuleHolds() {
    assertEquals("session-timer: session-expires 60 s is below min-se 90 s (in force); session-expires must be at "
        + "least min-se", error("{\"session-expires\": 60}"));
    assertEquals("session-timer: session-expires 1800 s (in force) is below min-se 3600 s; session-expires must be at "
        + "least min-se", error("{\"min-se\": 3600}"));
    assertEquals("session-timer: session-expires 100 s is below min-se 200 s; session-expires must be at least min-se",
        error("{\"session-expires\": 100, \"min-se\": 200}"));
    assertEquals("session-timer.min-se must be between 1 and 86400 s, got 0", error("{\"min-se\": 0}"));
    assertEquals("session-timer.session-expires must be between 1 and 86400 s, got 86401",
        error("{\"session-expires\": 86401}"));
    assertEquals("session-timer.session-expires must be a whole number of seconds, got \"30m\"",
        error("{\"session-expires\": \"30m\"}"));
    assertEquals("session-timer.min-se must be a whole number of seconds, got 1.5", error("{\"min-se\": 1.5}"));
    assertEquals("session-timer.enabled must be true or false, got \"yes\"", error("{\"enabled\": \"yes\"}"));
    assertEquals("session-timer: unknown field 'refresh-method' (known: enabled, session-expires, min-se)",
        error("{\"refresh-method\": \"update\"}"));
    assertEquals("session-timer: give at least one of enabled, session-expires, min-se", error("{}"));
    assertEquals("session-timer must be an object like {\"enabled\": true, \"session-expires\": 1800, \"min-se\": 90}, "
        + "got 600", error("600"));
  }

  @Test
  void theStoredFormIsComplete() throws Exception {
    SessionTimerSettings configured = settings(true, 1800, 90, RefreshMethod.INVITE);
    assertEquals(settings(false, 120, 60, RefreshMethod.INVITE), SessionTimerJson.parseStored(
        JSON.readTree("{\"enabled\":false,\"session-expires\":120,\"min-se\":60}"), configured));
    assertEquals("stored session-timer settings need enabled, session-expires and min-se",
        assertThrows(IllegalArgumentException.class,
            () -> SessionTimerJson.parseStored(JSON.readTree("{\"enabled\":false}"), configured)).getMessage());
  }
}
