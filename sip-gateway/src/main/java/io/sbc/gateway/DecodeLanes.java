package io.sbc.gateway;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Parses datagrams off the UDP event loop, on a few single-threaded lanes. One event loop reading
 * and parsing every datagram caps a node at one core; with lanes it only reads. A datagram goes
 * to the lane chosen by its Call-ID, so the messages of one call keep their arrival order. Each
 * lane's queue is bounded: when full, datagrams are dropped and counted (the sender retransmits),
 * which is what the kernel would do with a full socket buffer, but visible.
 */
final class DecodeLanes implements AutoCloseable {
  private final ThreadPoolExecutor[] lanes;

  DecodeLanes(int count, int queueCapacity) {
    lanes = new ThreadPoolExecutor[count];
    AtomicInteger n = new AtomicInteger();
    for (int i = 0; i < count; i++) {
      lanes[i] = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
          new ArrayBlockingQueue<>(queueCapacity),
          r -> {
            Thread t = new Thread(r, "sip-decode-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
          },
          new ThreadPoolExecutor.AbortPolicy());
    }
  }

  /** Runs {@code task} on the lane of the datagram's Call-ID; false if that lane is full. */
  boolean submit(byte[] datagram, Runnable task) {
    try {
      lanes[Math.floorMod(callIdHash(datagram), lanes.length)].execute(task);
      return true;
    } catch (RejectedExecutionException full) {
      return false;
    }
  }

  /**
   * Hash of the Call-ID value (header {@code Call-ID} or compact {@code i}), found by a plain
   * scan of the header lines; 0 when there is none (the parser will reject such a message).
   */
  static int callIdHash(byte[] d) {
    int i = 0;
    while (i < d.length) {
      int lineStart = i;
      while (i < d.length && d[i] != '\n') {
        i++;
      }
      int lineEnd = i; // exclusive, at '\n' or end
      i++;
      int len = lineEnd - lineStart;
      if (len <= 1) {
        if (lineStart > 0) {
          return 0; // empty line: end of headers
        }
        continue;
      }
      int nameEnd = headerNameEnd(d, lineStart, lineEnd);
      if (nameEnd < 0) {
        continue;
      }
      if (isCallIdName(d, lineStart, nameEnd)) {
        int h = 1;
        for (int k = indexOf(d, ':', lineStart, lineEnd) + 1; k < lineEnd; k++) {
          byte b = d[k];
          if (b != ' ' && b != '\t' && b != '\r') {
            h = 31 * h + b;
          }
        }
        return h;
      }
    }
    return 0;
  }

  private static int headerNameEnd(byte[] d, int from, int to) {
    int k = from;
    while (k < to && d[k] != ':' && d[k] != ' ' && d[k] != '\t') {
      k++;
    }
    return k < to ? k : -1;
  }

  private static boolean isCallIdName(byte[] d, int from, int to) {
    int len = to - from;
    if (len == 1) {
      return d[from] == 'i' || d[from] == 'I';
    }
    if (len != 7) {
      return false;
    }
    String name = new String(d, from, len, java.nio.charset.StandardCharsets.US_ASCII);
    return name.equalsIgnoreCase("Call-ID");
  }

  private static int indexOf(byte[] d, char c, int from, int to) {
    for (int k = from; k < to; k++) {
      if (d[k] == c) {
        return k;
      }
    }
    return to;
  }

  @Override
  public void close() {
    for (ThreadPoolExecutor lane : lanes) {
      lane.shutdownNow();
    }
  }
}
