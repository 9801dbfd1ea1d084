package io.sbc.node.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.sbc.node.policy.MidcallPolicy;

/** Call outcomes and transaction events, exported at {@code /metrics}. */
public final class CallMetrics {
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
  }

  /** One midcall-signaling decision: the policy applied and what was done with the request. */
  public void midcall(MidcallPolicy policy, String action) {
    registry.counter("sbc_midcall_decisions", "policy", policy.keyword(), "action", action).increment();
  }

  /** A call that ended before it was answered, by the final status the caller got. */
  public void failed(int status) {
    registry.counter("sbc_calls_failed", "status", Integer.toString(status)).increment();
  }
}
