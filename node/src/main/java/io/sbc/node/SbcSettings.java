package io.sbc.node;

import com.typesafe.config.Config;
import io.sbc.gateway.GatewaySettings;
import java.nio.file.Path;
import java.time.Duration;

/** The node's own settings, read once from {@code sbc { ... }}. */
public record SbcSettings(
    GatewaySettings sip,
    Routes routes,
    String clusterSecret,
    TransactionTimers timers,
    Duration linger,
    Path dataDir,
    String journal,
    Admission admission,
    JournalCleanup journalCleanup,
    MidcallPolicy midcallPolicy,
    SessionTimerSettings sessionTimer,
    Duration optionsPing) {

  /**
   * RFC 4028 session timers the SBC runs on each leg. {@code minSe} is what it accepts (below:
   * 422) and asks for; {@code sessionExpires} what it requests when a peer does not choose.
   */
  public record SessionTimerSettings(
      boolean enabled, Duration sessionExpires, Duration minSe, RefreshMethod refreshMethod) {
    public SessionTimerSettings {
      if (minSe.toSeconds() < 1 || sessionExpires.compareTo(minSe) < 0) {
        throw new IllegalArgumentException(
            "sbc.session-timer: min-se must be at least 1s and session-expires at least min-se");
      }
    }
  }

  /** How the SBC refreshes a leg it is the refresher of: UPDATE when the peer allows it (auto). */
  public enum RefreshMethod { AUTO, INVITE, UPDATE }

  /** Overload protection: {@code maxProcessingLag} zero disables it. */
  public record Admission(Duration maxProcessingLag, Duration retryAfter) {}

  /** How often, and how long after their end, the journal events of calls are deleted. */
  public record JournalCleanup(Duration interval, Duration keepEndedFor) {}

  /** RFC 3261 §17 timer base values; every other timer is derived from them. */
  public record TransactionTimers(Duration t1, Duration t2, Duration t4) {
    /** Timers B, F, H and the 2xx retransmission limit: 64·T1. */
    public Duration timeout() {
      return t1.multipliedBy(64);
    }
  }

  public static SbcSettings create(Config config) {
    Config sbc = config.getConfig("sbc");
    return new SbcSettings(
        GatewaySettings.create(sbc.getConfig("sip")),
        Routes.create(sbc),
        sbc.getString("cluster-secret"),
        new TransactionTimers(
            sbc.getDuration("transaction.t1"),
            sbc.getDuration("transaction.t2"),
            sbc.getDuration("transaction.t4")),
        sbc.getDuration("call.linger"),
        Path.of(sbc.getString("data-dir")).toAbsolutePath().normalize(),
        sbc.getString("journal"),
        new Admission(sbc.getDuration("admission.max-processing-lag"), sbc.getDuration("admission.retry-after")),
        new JournalCleanup(sbc.getDuration("journal-cleanup.interval"), sbc.getDuration("journal-cleanup.keep-ended-for")),
        MidcallPolicy.parse(sbc.getString("midcall.policy")),
        new SessionTimerSettings(
            sbc.getBoolean("session-timer.enabled"),
            sbc.getDuration("session-timer.session-expires"),
            sbc.getDuration("session-timer.min-se"),
            RefreshMethod.valueOf(sbc.getString("session-timer.refresh-method").trim().toUpperCase(java.util.Locale.ROOT))),
        sbc.getDuration("options-ping"));
  }

  public SbcSettings {
    if (journalCleanup.keepEndedFor().compareTo(linger) <= 0) {
      // A lingering entity must never lose its events while it can still be asked about them.
      throw new IllegalArgumentException("sbc.journal-cleanup.keep-ended-for must exceed sbc.call.linger");
    }
    if (optionsPing.isNegative() || (!optionsPing.isZero() && optionsPing.toSeconds() < 1)) {
      throw new IllegalArgumentException("sbc.options-ping must be 0 (off) or at least 1s");
    }
    if (journalCleanup.interval().isZero() || journalCleanup.interval().isNegative()) {
      throw new IllegalArgumentException("sbc.journal-cleanup.interval must be positive");
    }
  }
}
