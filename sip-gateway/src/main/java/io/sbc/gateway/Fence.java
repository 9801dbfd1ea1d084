package io.sbc.gateway;

import java.time.Duration;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Whether this node may touch SIP at all: while the fence is closed the gateway neither hands
 * what it reads to calls nor sends anything. Two reasons close it. A node that sees no majority
 * of the cluster reachable may be the side about to be downed, so it keeps still until the
 * majority is back ({@link #suspend}); the rest of the cluster moves its calls only after that.
 * And a process that was stopped (SIGSTOP, a stop-the-world pause, a frozen VM) for longer than
 * the cluster waits before downing a silent node may wake up already replaced: the pause watch
 * closes the fence for good, before the first message read after the pause is handled.
 */
public final class Fence {
  private final long maxPauseNanos;
  private final LongSupplier nanoClock;
  private volatile long lastTick;
  private volatile String closedFor;
  private volatile String suspendedFor;
  private volatile long longestGapNanos;

  Fence(Duration maxPause, LongSupplier nanoClock) {
    this.maxPauseNanos = maxPause.toNanos();
    this.nanoClock = nanoClock;
    this.lastTick = nanoClock.getAsLong();
  }

  /** A fence without pause watch: only {@link #suspend} closes it. */
  public static Fence open() {
    return new Fence(Duration.ZERO, System::nanoTime);
  }

  /**
   * A fence that closes for good when the process was stopped for longer than {@code maxPause}:
   * a daemon thread ticks every {@code tick}; {@code onPause} gets the pause it saw, once.
   */
  public static Fence watchingPauses(Duration maxPause, Duration tick, Consumer<Duration> onPause) {
    if (maxPause.isZero() || maxPause.isNegative()) {
      return open();
    }
    Fence fence = new Fence(maxPause, System::nanoTime);
    Thread watch = new Thread(() -> fence.watch(tick.toMillis(), onPause), "sbc-pause-watch");
    watch.setDaemon(true);
    watch.setPriority(Thread.MAX_PRIORITY);
    watch.start();
    return fence;
  }

  private void watch(long tickMillis, Consumer<Duration> onPause) {
    while (closedFor == null) {
      try {
        Thread.sleep(tickMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      tick(onPause);
    }
  }

  /** One look at the clock: a gap since the last one over the limit closes the fence for good. */
  void tick(Consumer<Duration> onPause) {
    long now = nanoClock.getAsLong();
    long gap = now - lastTick;
    longestGapNanos = Math.max(longestGapNanos, gap);
    if (gap > maxPauseNanos && maxPauseNanos > 0) {
      closedFor = "the process was stopped for " + gap / 1_000_000 + " ms";
      onPause.accept(Duration.ofNanos(gap));
      return;
    }
    lastTick = now;
  }

  /**
   * True when nothing may pass. Also true before the watch has noticed a pause: a message read
   * right after the process resumes sees the stale tick itself.
   */
  public boolean closed() {
    return closedFor != null || suspendedFor != null
        || (maxPauseNanos > 0 && nanoClock.getAsLong() - lastTick > maxPauseNanos);
  }

  /**
   * The longest time between two looks of the pause watch so far: how long this process stood
   * still at worst (a stop-the-world pause, a starved core), to compare with the cluster's
   * acceptable heartbeat pause. 0 without a pause watch.
   */
  public long longestStallMillis() {
    return longestGapNanos / 1_000_000;
  }

  /** Why it is closed, or null. */
  public String reason() {
    String c = closedFor;
    return c != null ? c : suspendedFor;
  }

  /** Closes the fence until {@link #resume}. */
  public void suspend(String why) {
    suspendedFor = why;
  }

  public void resume() {
    suspendedFor = null;
  }
}
