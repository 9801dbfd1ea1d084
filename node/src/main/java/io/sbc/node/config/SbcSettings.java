package io.sbc.node.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigValueType;
import io.sbc.gateway.GatewaySettings;
import io.sbc.node.policy.MidcallPolicy;
import io.sbc.node.routing.RouteTable;
import io.sbc.node.routing.TrustedPeers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.apache.pekko.actor.typed.BackoffSupervisorStrategy;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.slf4j.event.Level;

/**
 * The node's own settings, read once from {@code sbc { ... }}. The route table and the session-timer
 * settings can be changed at runtime: these are only their configured values, the ones in force
 * come from {@code RouteStore} and {@code SessionTimerStore}.
 */
public record SbcSettings(
    Set<String> roles,
    GatewaySettings sip,
    RouteTable configuredRoutes,
    String clusterSecret,
    TransactionTimers timers,
    Duration linger,
    Path dataDir,
    String journal,
    Admission admission,
    JournalCleanup journalCleanup,
    JournalBackoff journalBackoff,
    MidcallPolicy midcallPolicy,
    SessionTimerSettings configuredSessionTimer,
    Duration optionsPing,
    String adminToken,
    Duration leaveDrainTime,
    TrustedPeers trustedPeers) {

  /**
   * RFC 4028 session timers the SBC runs on each leg. {@code minSe} is what it accepts (below:
   * 422) and asks for; {@code sessionExpires} what it requests when a peer does not choose.
   */
  public record SessionTimerSettings(
      boolean enabled, Duration sessionExpires, Duration minSe, RefreshMethod refreshMethod,
      boolean refreshPeersWithoutTimer) {
    public SessionTimerSettings(boolean enabled, Duration sessionExpires, Duration minSe, RefreshMethod refreshMethod) {
      this(enabled, sessionExpires, minSe, refreshMethod, false);
    }

    /** The same settings, with {@code enabled} as given. */
    public SessionTimerSettings withEnabled(boolean on) {
      return new SessionTimerSettings(on, sessionExpires, minSe, refreshMethod, refreshPeersWithoutTimer);
    }

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

  /**
   * How a call retries after a failed journal write (database down): it restarts after {@code
   * min}, doubling up to {@code max}, each delay varied by {@code randomFactor}.
   */
  public record JournalBackoff(Duration min, Duration max, double randomFactor) {
    public JournalBackoff {
      if (min.isNegative() || min.isZero() || max.compareTo(min) < 0 || randomFactor < 0) {
        throw new IllegalArgumentException(
            "sbc.journal-retry: min must be positive, max at least min, random-factor not negative");
      }
    }

    public BackoffSupervisorStrategy strategy() {
      return SupervisorStrategy.restartWithBackoff(min, max, randomFactor).withLogLevel(Level.WARN);
    }
  }

  /**
   * RFC 3261 §17 timer base values, from which the transaction timers derive, and timer C: how
   * long an INVITE may go without a provisional or final response once it has had one (§16.6
   * says more than 3 minutes; every provisional starts it again).
   */
  public record TransactionTimers(Duration t1, Duration t2, Duration t4, Duration timerC) {
    public TransactionTimers(Duration t1, Duration t2, Duration t4) {
      this(t1, t2, t4, Duration.ofMinutes(3));
    }

    /** Timers B, F, H and the 2xx retransmission limit: 64·T1. */
    public Duration timeout() {
      return t1.multipliedBy(64);
    }
  }

  /** Runs the SIP gateway (sockets). */
  public static final String GATEWAY = "gateway";
  /** Hosts call entities (shards). */
  public static final String CALL = "call";

  /** {@code "gateway,call"} and the like: the node's cluster roles. */
  public static Set<String> parseRoles(String text) {
    Set<String> roles = new TreeSet<>();
    for (String r : text.split(",")) {
      String role = r.trim().toLowerCase(Locale.ROOT);
      if (!role.isEmpty()) {
        if (!role.equals(GATEWAY) && !role.equals(CALL)) {
          throw new IllegalArgumentException("sbc.roles: unknown role '" + role + "' (gateway, call)");
        }
        roles.add(role);
      }
    }
    if (roles.isEmpty()) {
      throw new IllegalArgumentException("sbc.roles: at least one of gateway, call");
    }
    return Set.copyOf(roles);
  }

  public boolean gateway() {
    return roles.contains(GATEWAY);
  }

  public static SbcSettings create(Config config) {
    Config sbc = config.getConfig("sbc");
    return new SbcSettings(
        parseRoles(sbc.getString("roles")),
        GatewaySettings.create(sbc.getConfig("sip")),
        RouteTable.create(sbc),
        sbc.getString("cluster-secret"),
        new TransactionTimers(
            sbc.getDuration("transaction.t1"),
            sbc.getDuration("transaction.t2"),
            sbc.getDuration("transaction.t4"),
            sbc.getDuration("transaction.timer-c")),
        sbc.getDuration("call.linger"),
        Path.of(sbc.getString("data-dir")).toAbsolutePath().normalize(),
        sbc.getString("journal"),
        new Admission(sbc.getDuration("admission.max-processing-lag"), sbc.getDuration("admission.retry-after")),
        new JournalCleanup(sbc.getDuration("journal-cleanup.interval"), sbc.getDuration("journal-cleanup.keep-ended-for")),
        new JournalBackoff(sbc.getDuration("journal-retry.min"), sbc.getDuration("journal-retry.max"),
            sbc.getDouble("journal-retry.random-factor")),
        MidcallPolicy.parse(sbc.getString("midcall.policy")),
        new SessionTimerSettings(
            sbc.getBoolean("session-timer.enabled"),
            sbc.getDuration("session-timer.session-expires"),
            sbc.getDuration("session-timer.min-se"),
            RefreshMethod.valueOf(sbc.getString("session-timer.refresh-method").trim().toUpperCase(java.util.Locale.ROOT)),
            sbc.getBoolean("session-timer.refresh-peers-without-timer")),
        sbc.getDuration("options-ping"),
        sbc.getString("http.admin-token"),
        sbc.getDuration("leave.drain-time"),
        trustedPeers(sbc));
  }

  /**
   * {@code sbc.trust.peers}: a list of CIDR blocks, or one comma-separated string (what the
   * environment variable SBC_TRUSTED_PEERS gives).
   */
  static TrustedPeers trustedPeers(Config sbc) {
    List<String> cidrs = sbc.getValue("trust.peers").valueType() == ConfigValueType.LIST
        ? sbc.getStringList("trust.peers")
        : Arrays.asList(sbc.getString("trust.peers").split(","));
    try {
      return TrustedPeers.parse(cidrs);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("sbc.trust.peers: " + e.getMessage(), e);
    }
  }

  public SbcSettings {
    if (journalCleanup.keepEndedFor().compareTo(linger) <= 0) {
      // A lingering entity must never lose its events while it can still be asked about them.
      throw new IllegalArgumentException("sbc.journal-cleanup.keep-ended-for must exceed sbc.call.linger");
    }
    if (optionsPing.isNegative() || (!optionsPing.isZero() && optionsPing.toSeconds() < 1)) {
      throw new IllegalArgumentException("sbc.options-ping must be 0 (off) or at least 1s");
    }
    if (leaveDrainTime.isNegative() || leaveDrainTime.compareTo(Duration.ofSeconds(9)) > 0) {
      // the coordinated-shutdown phase that waits for it times out after 10 s (application.conf)
      throw new IllegalArgumentException("sbc.leave.drain-time must be between 0 and 9s");
    }
    if (journalCleanup.interval().isZero() || journalCleanup.interval().isNegative()) {
      throw new IllegalArgumentException("sbc.journal-cleanup.interval must be positive");
    }
  }
}
