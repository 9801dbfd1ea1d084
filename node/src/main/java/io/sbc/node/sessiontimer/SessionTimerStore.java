package io.sbc.node.sessiontimer;

import io.sbc.node.config.SbcSettings.SessionTimerSettings;
import io.sbc.node.replicated.DurableRegister;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The RFC 4028 settings in force: the ones set at runtime (enabled, session-expires, min-se;
 * cluster-wide, durable) or else the configured {@code sbc.session-timer}. Stored whole (all three
 * values) in a {@link DurableRegister} under {@value #KEY_NAME}, so concurrent changes of different
 * parts never combine into settings nobody validated. {@link #get()} is a memory read: negotiations
 * read it when they start (see {@link SessionTimers} for what a running call keeps).
 */
public final class SessionTimerStore implements Supplier<SessionTimerSettings> {
  static final String KEY_NAME = "sbc-session-timer";
  private static final Logger log = LoggerFactory.getLogger(SessionTimerStore.class);

  private final SessionTimerSettings configured;
  private final DurableRegister<SessionTimerSettings> runtime;

  private SessionTimerStore(SessionTimerSettings configured, DurableRegister<SessionTimerSettings> runtime) {
    this.configured = configured;
    this.runtime = runtime;
  }

  /** Starts the store's subscriber (once per ActorSystem); until runtime settings are known, {@code configured} apply. */
  public static SessionTimerStore start(ActorSystem<?> system, SessionTimerSettings configured) {
    return new SessionTimerStore(configured, DurableRegister.start(system, KEY_NAME, "session-timer settings",
        codec(configured), settings -> log.info("session timers now: {}", settings
            .map(s -> "set at runtime: " + SessionTimerJson.describe(s))
            .orElse("configured: " + SessionTimerJson.describe(configured)))));
  }

  static DurableRegister.Codec<SessionTimerSettings> codec(SessionTimerSettings configured) {
    return DurableRegister.Codec.json(SessionTimerJson::toJson, json -> SessionTimerJson.parseStored(json, configured));
  }

  /** The settings in force. Local memory read. */
  @Override
  public SessionTimerSettings get() {
    return runtime.get().orElse(configured);
  }

  /** The runtime settings, if set. */
  public Optional<SessionTimerSettings> runtime() {
    return runtime.get();
  }

  /** The configured {@code sbc.session-timer}. */
  public SessionTimerSettings configured() {
    return configured;
  }

  /** Completes once the settings stored on this node are known. */
  public CompletionStage<Done> loaded() {
    return runtime.loaded();
  }

  /**
   * Applies {@code change} cluster-wide to the settings in force at the moment of the write and
   * gives the new settings. Fails with {@link IllegalArgumentException} (nothing written) when the
   * result would be invalid, e.g. session-expires below min-se.
   */
  public CompletionStage<SessionTimerSettings> change(SessionTimerJson.Change change) {
    return runtime.modify("set " + change.describe(), now -> change.applyTo(now.orElse(configured)));
  }

  /** Drops the runtime settings: the configured ones apply again. */
  public CompletionStage<Done> reset() {
    return runtime.clear("back to the configured settings");
  }
}
