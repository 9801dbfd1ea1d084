package io.sbc.gateway;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Overload protection for new calls. Call entities report how long each message waited between
 * its decoding by a gateway and its handling (the processing lag, wall clock so that it also
 * works across nodes); the gateway keeps a moving average and, while it exceeds the limit,
 * answers new INVITEs with 503 + Retry-After itself, before any call exists. The lag grows when
 * the node cannot keep up with all its traffic (new calls, in-dialog requests, retransmissions),
 * so refusing new work there keeps admitted calls within their timers instead of letting the
 * whole node slide into a retransmission collapse. An operator may also drain the node: new
 * INVITEs then get the 503 whatever the lag, so callers retry on another node while the calls
 * already up go on. Its {@link Fence} says whether the node may touch SIP at all.
 */
public final class AdmissionControl {
  /** Weight of one sample in the moving average: reacts within a few hundred messages. */
  private static final double ALPHA = 0.01;

  private final long maxLagMillis;
  private final int retryAfterSeconds;
  private final AtomicLong averageLagBits = new AtomicLong(Double.doubleToLongBits(0.0));
  private final LongAdder rejected = new LongAdder();
  private final LongAdder refusedDraining = new LongAdder();
  private volatile boolean draining;
  private final Fence fence;

  /** @param maxLagMillis 0 disables the limit */
  public AdmissionControl(long maxLagMillis, int retryAfterSeconds) {
    this(maxLagMillis, retryAfterSeconds, Fence.open());
  }

  public AdmissionControl(long maxLagMillis, int retryAfterSeconds, Fence fence) {
    this.fence = fence;
    if (maxLagMillis < 0 || retryAfterSeconds < 0) {
      throw new IllegalArgumentException("admission limits must not be negative");
    }
    this.maxLagMillis = maxLagMillis;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** One message's wait from gateway to entity. */
  public void recordLag(long millis) {
    double sample = Math.max(0, millis);
    averageLagBits.getAndUpdate(
        bits -> {
          double avg = Double.longBitsToDouble(bits);
          return Double.doubleToLongBits(avg + ALPHA * (sample - avg));
        });
  }

  public double averageLagMillis() {
    return Double.longBitsToDouble(averageLagBits.get());
  }

  public Fence fence() {
    return fence;
  }

  /** Stops ({@code true}) or resumes taking new calls on this node. */
  public void draining(boolean on) {
    draining = on;
  }

  public boolean draining() {
    return draining;
  }

  /** True when a new call must be refused now (draining, or overloaded); counts the refusal. */
  public boolean refuseNewCall() {
    if (draining) {
      refusedDraining.increment();
      return true;
    }
    boolean refuse = maxLagMillis > 0 && averageLagMillis() > maxLagMillis;
    if (refuse) {
      rejected.increment();
    }
    return refuse;
  }

  /** New calls refused for overload. */
  public long rejected() {
    return rejected.sum();
  }

  /** New calls refused while the node was draining. */
  public long refusedDraining() {
    return refusedDraining.sum();
  }

  public int retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
