package io.sbc.node.transaction;

import java.time.Duration;

/** The call's single-shot timers (the entity backs them with Pekko's timer scheduler). */
public interface CallTimers {
  void start(TimerKey key, Duration delay);

  void cancel(TimerKey key);

  boolean active(TimerKey key);

  void cancelAll();
}
