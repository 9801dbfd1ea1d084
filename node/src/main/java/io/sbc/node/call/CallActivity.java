package io.sbc.node.call;

import io.sbc.node.dialog.Phase;
import io.sbc.node.metrics.CallMetrics;

/** What one call adds to the node's active-call gauges, moved as its phase changes and withdrawn at its stop. */
final class CallActivity {
  private final CallMetrics metrics;
  private CallMetrics.Activity counted = CallMetrics.Activity.NONE;

  CallActivity(CallMetrics metrics) {
    this.metrics = metrics;
  }

  void update(Phase phase) {
    CallMetrics.Activity now = switch (phase) {
      case CALLING -> CallMetrics.Activity.SETUP;
      case CONFIRMED -> CallMetrics.Activity.ESTABLISHED;
      case IDLE, ENDED -> CallMetrics.Activity.NONE;
    };
    metrics.activity(counted, now);
    counted = now;
  }

  void stopped() {
    update(Phase.ENDED);
  }
}
