package io.sbc.gateway;

import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Counts a write that succeeded as a message out; logs and reports one that failed to its sender. */
final class WriteOutcome {
  private static final Logger log = LoggerFactory.getLogger(SipGateway.class);

  private final GatewayStats stats;

  WriteOutcome(GatewayStats stats) {
    this.stats = stats;
  }

  void report(boolean ok, Throwable cause, Flow flow, MessageLabels labels, Consumer<String> onFailure) {
    if (ok) {
      stats.sent.increment();
      stats.traffic.message(SipTraffic.Direction.OUT, flow.transport(), labels);
      return;
    }
    stats.sendFailures.increment();
    String reason = cause == null ? "connection closed" : cause.toString();
    log.warn("sending to {} failed: {}", flow, reason);
    if (onFailure != null) {
      onFailure.accept(reason);
    }
  }
}
