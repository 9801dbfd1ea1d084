package io.sbc.node;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** Call outcomes and transaction events, exported at {@code /metrics}. */
public final class CallMetrics {
  final Counter attempted;
  final Counter established;
  final Counter cancelled;
  final Counter ended;
  final Counter timeouts;
  final Counter retransmissions;
  final Counter absorbed;
  final Counter transportFailures;
  final Counter sessionsExpired;
  final Counter keepAliveFailures;
  final Counter refreshesSent;
  final Counter glare;
  final Counter journalRetries;
  final Counter requestsReissued;
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
  void midcall(MidcallPolicy policy, String action) {
    registry.counter("sbc_midcall_decisions", "policy", policy.keyword(), "action", action).increment();
  }

  /** A call that ended before it was answered, by the final status the caller got. */
  void failed(int status) {
    registry.counter("sbc_calls_failed", "status", Integer.toString(status)).increment();
  }
}
