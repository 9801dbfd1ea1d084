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
  }

  /** A call that ended before it was answered, by the final status the caller got. */
  void failed(int status) {
    registry.counter("sbc_calls_failed", "status", Integer.toString(status)).increment();
  }
}
