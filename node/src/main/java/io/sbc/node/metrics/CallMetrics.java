package io.sbc.node.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.sbc.node.policy.MidcallPolicy;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/** Call outcomes and transaction events, exported at {@code /metrics}. */
public final class CallMetrics {
  /** Buckets of the journal write latency: 1 ms to 5 s (and +Inf). */
  private static final Duration[] JOURNAL_BUCKETS = millis(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000);

  /** What a call entity adds to the active-call gauges: nothing, a call in setup, or an established one. */
  public enum Activity { NONE, SETUP, ESTABLISHED }

  public final Counter attempted;
  public final Counter established;
  public final Counter cancelled;
  public final Counter ended;
  public final Counter timeouts;
  public final Counter retransmissions;
  public final Counter absorbed;
  public final Counter transportFailures;
  public final Counter sessionsExpired;
  public final Counter keepAliveFailures;
  public final Counter refreshesSent;
  public final Counter glare;
  public final Counter journalRetries;
  public final Counter requestsReissued;
  /** From handing a call's events to the journal to its confirmation. */
  public final Timer journalWrite;
  private final Counter legsRefreshedBySbc;
  private final Counter legsRefreshedByPeer;
  private final AtomicLong activeSetup = new AtomicLong();
  private final AtomicLong activeEstablished = new AtomicLong();
  /** Counters of locally generated responses by status code 100-699 (index code - 100), made on first use. */
  private final AtomicReferenceArray<Counter> generated = new AtomicReferenceArray<>(600);
  private final MeterRegistry registry;

  public CallMetrics(MeterRegistry registry) {
    this.registry = registry;
    attempted = registry.counter("sbc_calls_attempted");
    established = registry.counter("sbc_calls_established");
    cancelled = registry.counter("sbc_calls_cancelled");
    ended = registry.counter("sbc_calls_ended");
    timeouts = registry.counter("sbc_transaction_timeouts");
    retransmissions = registry.counter("sbc_retransmissions_sent");
    absorbed = registry.counter("sbc_retransmissions_absorbed");
    transportFailures = registry.counter("sbc_transport_failures");
    sessionsExpired = registry.counter("sbc_sessions_expired");
    keepAliveFailures = registry.counter("sbc_keepalive_failures");
    refreshesSent = registry.counter("sbc_session_refreshes_sent");
    glare = registry.counter("sbc_glare_rejected");
    journalRetries = registry.counter("sbc_journal_write_retries");
    requestsReissued = registry.counter("sbc_requests_reissued");
    journalWrite = Timer.builder("sbc_journal_write_duration")
        .description("time from persisting a call's events to the journal's confirmation")
        .serviceLevelObjectives(JOURNAL_BUCKETS)
        .register(registry);
    legsRefreshedBySbc = legsRefreshed("sbc");
    legsRefreshedByPeer = legsRefreshed("peer");
    Gauge.builder("sbc_calls_active", activeSetup, AtomicLong::get).strongReference(true)
        .description("calls held by this node's entities, by phase").tag("phase", "setup").register(registry);
    Gauge.builder("sbc_calls_active", activeEstablished, AtomicLong::get).strongReference(true)
        .description("calls held by this node's entities, by phase").tag("phase", "established").register(registry);
  }

  private Counter legsRefreshed(String refresher) {
    return Counter.builder("sbc_session_legs_refreshed")
        .description("legs whose session timer a 2xx to a re-INVITE/UPDATE refreshed, by the leg's refresher")
        .tag("refresher", refresher)
        .register(registry);
  }

  /** One midcall-signaling decision: the policy applied and what was done with the request. */
  public void midcall(MidcallPolicy policy, String action) {
    registry.counter("sbc_midcall_decisions", "policy", policy.keyword(), "action", action).increment();
  }

  /** A call that ended before it was answered, by the final status the caller got. */
  public void failed(int status) {
    registry.counter("sbc_calls_failed", "status", Integer.toString(status)).increment();
  }

  /**
   * A response the SBC generated itself rather than relayed (100, local 200s, 422, 481, 487, 488,
   * 491, 500, ...), retransmissions not counted; the label is the status code.
   */
  public void generatedResponse(int status) {
    if (status < 100 || status > 699) {
      registry.counter("sbc_sip_responses_generated", "status", "other").increment();
      return;
    }
    Counter counter = generated.get(status - 100);
    if (counter == null) {
      counter = Counter.builder("sbc_sip_responses_generated")
          .description("responses the SBC generated itself (not relayed), by status code; retransmissions not counted")
          .tag("status", Integer.toString(status))
          .register(registry);
      generated.set(status - 100, counter);
    }
    counter.increment();
  }

  /** A leg's session timer was refreshed; {@code sbcRefreshes}: the SBC is that leg's refresher. */
  public void legRefreshed(boolean sbcRefreshes) {
    (sbcRefreshes ? legsRefreshedBySbc : legsRefreshedByPeer).increment();
  }

  /** A call entity's contribution to {@code sbc_calls_active} moves from {@code from} to {@code to}. */
  public void activity(Activity from, Activity to) {
    if (from == to) {
      return;
    }
    gauge(from).ifPresent(AtomicLong::decrementAndGet);
    gauge(to).ifPresent(AtomicLong::incrementAndGet);
  }

  /** Calls in setup and established on this node (what the gauges show). */
  public long active(Activity activity) {
    return gauge(activity).map(AtomicLong::get).orElse(0L);
  }

  private Optional<AtomicLong> gauge(Activity activity) {
    return switch (activity) {
      case NONE -> Optional.empty();
      case SETUP -> Optional.of(activeSetup);
      case ESTABLISHED -> Optional.of(activeEstablished);
    };
  }

  private static Duration[] millis(long... values) {
    Duration[] out = new Duration[values.length];
    for (int i = 0; i < values.length; i++) {
      out[i] = Duration.ofMillis(values[i]);
    }
    return out;
  }
}
