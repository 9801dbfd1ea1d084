package io.sbc.gateway;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counters the node exports as metrics; plain adders and the {@link SipTraffic} callback, so the
 * gateway needs no metrics library.
 */
public final class GatewayStats {
  public final LongAdder received = new LongAdder();
  public final LongAdder sent = new LongAdder();
  public final LongAdder badRequestsAnswered = new LongAdder();
  public final LongAdder dropped = new LongAdder();
  public final LongAdder sendFailures = new LongAdder();
  /** Sends while the sockets are not open (not bound yet, or closed by a leaving node), dropped like lost datagrams. */
  public final LongAdder droppedNotOpen = new LongAdder();
  public final LongAdder keepAlives = new LongAdder();
  /** Messages read or to be sent while the node's {@link Fence} was closed: dropped. */
  public final LongAdder fenced = new LongAdder();
  /** RFC 3261 §18.1.1: requests too large for UDP sent over TCP instead. */
  public final LongAdder largeRequestsOverTcp = new LongAdder();
  /** ... and those sent over UDP after all, because no TCP connection could be made. */
  public final LongAdder largeRequestsBackToUdp = new LongAdder();
  /** TLS handshakes that failed, either direction (garbage, plaintext, a refused certificate). */
  public final LongAdder tlsHandshakeFailures = new LongAdder();
  /** Messages by direction, transport, method and status class; parse errors by transport. */
  public final SipTraffic traffic;

  public GatewayStats() {
    this(SipTraffic.NONE);
  }

  public GatewayStats(SipTraffic traffic) {
    this.traffic = traffic;
  }
}
