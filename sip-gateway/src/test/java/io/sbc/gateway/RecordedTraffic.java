package io.sbc.gateway;

import io.sbc.protocol.Transport;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** A {@link SipTraffic} that keeps counts by a readable key, e.g. {@code "in udp request OPTIONS"}. */
final class RecordedTraffic implements SipTraffic {
  private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();

  @Override
  public void message(Direction direction, Transport transport, MessageLabels labels) {
    String key = direction.label() + " " + transport.token() + " " + labels.kind() + " " + labels.method().label()
        + (labels.request() ? "" : " " + labels.status().label());
    counts.computeIfAbsent(key, k -> new LongAdder()).increment();
  }

  @Override
  public void parseError(Transport transport) {
    counts.computeIfAbsent("parse-error " + transport.token(), k -> new LongAdder()).increment();
  }

  long count(String key) {
    LongAdder n = counts.get(key);
    return n == null ? 0 : n.sum();
  }

  /** Waits up to 5 s for {@code key} to reach {@code n} (writes are counted when Netty completes them). */
  long await(String key, long n) throws InterruptedException {
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (count(key) < n && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    return count(key);
  }

  @Override
  public String toString() {
    Map<String, Long> sorted = new TreeMap<>();
    counts.forEach((k, v) -> sorted.put(k, v.sum()));
    return sorted.toString();
  }
}
