package io.sbc.gateway;

import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPRequest;
import io.sbc.protocol.DecodeResult;
import io.sbc.protocol.SipCodec;
import io.sbc.protocol.Transport;
import java.text.ParseException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * RFC 3261 §18.1.1: a request that would go over UDP but is larger than the threshold (1,300
 * bytes: the path MTU is unknown) goes over TCP to the same address, its top Via saying TCP. The
 * CANCEL and the non-2xx ACK of such a request carry its branch and must take the same transport
 * (§9.1, §17.1.1.3), so the branches moved are remembered for a transaction's lifetime. Responses
 * never move: they go where the request came from.
 */
final class LargeRequests {
  /** Timer B/F at the default T1 (64 x 500 ms): no CANCEL or ACK of the request comes later. */
  private static final long REMEMBER_NANOS = TimeUnit.SECONDS.toNanos(32);
  private static final int PURGE_ABOVE = 1024;

  private final int threshold;
  /** Branch -> when it may be forgotten (System.nanoTime). */
  private final Map<String, Long> moved = new ConcurrentHashMap<>();

  LargeRequests(int threshold) {
    this.threshold = threshold;
  }

  /**
   * The request re-encoded with its top Via saying TCP when it must leave over TCP, else null
   * (send {@code bytes} over UDP as they are). Only parses what may move: large requests, and
   * CANCEL/ACK while a moved branch is remembered.
   */
  byte[] overTcp(byte[] bytes, MessageLabels labels) {
    if (threshold == 0 || !labels.request()) {
      return null;
    }
    boolean large = bytes.length > threshold;
    boolean follower = !moved.isEmpty()
        && (labels.method() == MessageLabels.Method.ACK || labels.method() == MessageLabels.Method.CANCEL);
    if (!large && !follower) {
      return null;
    }
    if (!(SipCodec.decode(bytes) instanceof DecodeResult.Decoded decoded)
        || !(decoded.message() instanceof SIPRequest request)
        || request.getTopmostVia() == null) {
      return null; // not ours to fix: it goes as it is
    }
    Via top = request.getTopmostVia();
    String branch = top.getBranch();
    if (!large && !remembered(branch)) {
      return null;
    }
    try {
      top.setTransport(Transport.TCP.name());
    } catch (ParseException e) {
      return null;
    }
    if (large && branch != null) {
      remember(branch);
    }
    return SipCodec.encode(request);
  }

  /** The request went over UDP after all (no TCP connection): its CANCEL and ACK go there too. */
  void fellBack(byte[] movedBytes) {
    if (!moved.isEmpty() && SipCodec.decode(movedBytes) instanceof DecodeResult.Decoded decoded
        && decoded.message() instanceof SIPRequest request && request.getTopmostVia() != null
        && request.getTopmostVia().getBranch() != null) {
      moved.remove(request.getTopmostVia().getBranch());
    }
  }

  private boolean remembered(String branch) {
    Long until = branch == null ? null : moved.get(branch);
    return until != null && until - System.nanoTime() > 0;
  }

  private void remember(String branch) {
    long now = System.nanoTime();
    if (moved.size() > PURGE_ABOVE) {
      moved.values().removeIf(until -> until - now <= 0);
    }
    moved.put(branch, now + REMEMBER_NANOS);
  }
}
