package io.sbc.node.sessiontimer;

import io.sbc.node.dialog.CallState;
import io.sbc.node.dialog.Leg.Side;
import io.sbc.node.metrics.CallMetrics;
import io.sbc.node.transaction.ClientTransaction;
import io.sbc.node.transaction.Effects;
import io.sbc.node.transaction.TimerKey.KeepAlivePing;
import io.sbc.node.transaction.TransactionLayer;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;

/**
 * The in-dialog OPTIONS keep-alive ({@code sbc.options-ping}, like CUBE's {@code options-ping})
 * for calls without session timers: each leg is pinged every period, and a 408, a 481 or no
 * answer means the dialog is gone on that side.
 */
public final class KeepAlive {
  private final String entityId;
  private final CallState call;
  private final TransactionLayer tx;
  private final Effects effects;
  private final Duration every;
  private final CallMetrics metrics;
  private final Logger log;

  public KeepAlive(String entityId, CallState call, TransactionLayer tx, Effects effects, Duration every,
      CallMetrics metrics, Logger log) {
    this.entityId = entityId;
    this.call = call;
    this.tx = tx;
    this.effects = effects;
    this.every = every;
    this.metrics = metrics;
    this.log = log;
  }

  /** Starts pinging both legs when it is on and the call has no session timer to keep it alive. */
  public void start(boolean sessionTimersRunning) {
    if (!every.isZero() && !sessionTimersRunning) {
      effects.startTimer(new KeepAlivePing(Side.A), every);
      effects.startTimer(new KeepAlivePing(Side.B), every);
    }
  }

  /** The ping timer of a leg fired: one OPTIONS, and the next ping. */
  public void ping(Side side) throws Exception {
    if (!call.confirmed()) {
      return;
    }
    tx.sendInDialog(side, "OPTIONS", null, null, null).purpose(ClientTransaction.Purpose.KEEPALIVE);
    effects.startTimer(new KeepAlivePing(side), every);
  }

  /** A final non-2xx to a keep-alive; returns why the call must end, if it must. */
  public Optional<String> rejected(ClientTransaction ping, int status, String reason) {
    // RFC 3261 §12.2.1.2: the dialog is gone on that side.
    return status == 408 || status == 481 ? failed(ping, status + " " + reason) : Optional.empty();
  }

  /** A keep-alive got no answer (timeout, transport failure); returns why the call must end. */
  public Optional<String> failed(ClientTransaction ping, String what) {
    if (!call.confirmed()) {
      return Optional.empty();
    }
    metrics.keepAliveFailures.increment();
    log.info("call {}: keep-alive OPTIONS on leg {} failed: {}; ending the call", entityId, ping.side(), what);
    return Optional.of("keep-alive failed on leg " + ping.side());
  }

  public void cancel() {
    effects.cancelTimer(new KeepAlivePing(Side.A));
    effects.cancelTimer(new KeepAlivePing(Side.B));
  }
}
