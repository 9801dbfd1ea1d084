package io.sbc.node.call;

import io.sbc.node.transaction.CallTimers;
import io.sbc.node.transaction.TimerKey;
import java.time.Duration;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/** A call's timers on Pekko's timer scheduler: a timer fires as a {@link CallEntity.TimerFired} command. */
final class SchedulerTimers implements CallTimers {
  private final TimerScheduler<CallEntity.Command> timers;

  SchedulerTimers(TimerScheduler<CallEntity.Command> timers) {
    this.timers = timers;
  }

  @Override
  public void start(TimerKey key, Duration delay) {
    timers.startSingleTimer(key, new CallEntity.TimerFired(key), delay);
  }

  @Override
  public void cancel(TimerKey key) {
    timers.cancel(key);
  }

  @Override
  public boolean active(TimerKey key) {
    return timers.isTimerActive(key);
  }

  @Override
  public void cancelAll() {
    timers.cancelAll();
  }
}
