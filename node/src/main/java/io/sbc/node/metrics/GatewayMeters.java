package io.sbc.node.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.sbc.gateway.GatewayStats;
import io.sbc.gateway.MessageLabels;
import io.sbc.gateway.SipTraffic;
import io.sbc.protocol.Transport;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The SIP gateway's figures on {@code /metrics}: its plain counters, and every message in and out
 * as {@code sbc_sip_messages{direction,transport,kind,method,status}} plus
 * {@code sbc_sip_parse_errors{transport}}. Every label comes from an enum, so the series are
 * bounded; a series appears once its first message is counted.
 */
public final class GatewayMeters implements SipTraffic {
  private static final int DIRECTIONS = Direction.values().length;
  private static final int TRANSPORTS = Transport.values().length;
  private static final int METHODS = MessageLabels.Method.values().length;
  private static final int STATUSES = MessageLabels.StatusClass.values().length;

  private final MeterRegistry registry;
  /** One counter per label combination, made on first use (registering is idempotent, so a race is harmless). */
  private final AtomicReferenceArray<Counter> messages =
      new AtomicReferenceArray<>(DIRECTIONS * TRANSPORTS * METHODS * STATUSES);
  private final AtomicReferenceArray<Counter> parseErrors = new AtomicReferenceArray<>(TRANSPORTS);

  private GatewayMeters(MeterRegistry registry) {
    this.registry = registry;
    for (Transport transport : Transport.values()) {
      parseErrors.set(transport.ordinal(), Counter.builder("sbc_sip_parse_errors")
          .description("datagrams or stream frames that did not parse as SIP (answered 400 or dropped)")
          .tag("transport", transport.token())
          .register(registry));
    }
  }

  /** The stats object a gateway counts into, with all of it registered in {@code registry}. */
  public static GatewayStats bind(MeterRegistry registry) {
    GatewayStats stats = new GatewayStats(new GatewayMeters(registry));
    adder(registry, "sbc_sip_messages_received", "datagrams and stream frames read (before parsing)", stats.received);
    adder(registry, "sbc_sip_messages_sent", "SIP messages written", stats.sent);
    adder(registry, "sbc_sip_bad_requests_answered", "unusable requests answered 400", stats.badRequestsAnswered);
    adder(registry, "sbc_sip_messages_dropped", "messages dropped unanswered", stats.dropped);
    adder(registry, "sbc_sip_send_failures", "writes that failed", stats.sendFailures);
    adder(registry, "sbc_sip_sends_dropped_not_open",
        "sends while this node's SIP sockets were not open (not bound yet, or closed as it left), dropped like lost datagrams",
        stats.droppedNotOpen);
    adder(registry, "sbc_sip_keepalives", "CRLF keep-alives received", stats.keepAlives);
    adder(registry, "sbc_sip_fenced", "messages dropped, read or to be sent, while the node was fenced "
        + "(no majority reachable, or resumed after a pause the cluster may have downed it for)", stats.fenced);
    adder(registry, "sbc_sip_large_requests_over_tcp",
        "requests over the UDP size threshold sent over TCP instead (RFC 3261 18.1.1)", stats.largeRequestsOverTcp);
    adder(registry, "sbc_sip_large_requests_back_to_udp",
        "such requests sent over UDP after all: no TCP connection to the peer", stats.largeRequestsBackToUdp);
    adder(registry, "sbc_sip_tls_handshake_failures", "TLS handshakes that failed, either direction",
        stats.tlsHandshakeFailures);
    return stats;
  }

  private static void adder(MeterRegistry registry, String name, String help, LongAdder adder) {
    FunctionCounter.builder(name, adder, LongAdder::doubleValue).description(help).register(registry);
  }

  @Override
  public void message(Direction direction, Transport transport, MessageLabels labels) {
    int i = ((direction.ordinal() * TRANSPORTS + transport.ordinal()) * METHODS + labels.method().ordinal()) * STATUSES
        + labels.status().ordinal();
    Counter counter = messages.get(i);
    if (counter == null) {
      counter = Counter.builder("sbc_sip_messages")
          .description("SIP messages parsed in or written out, by method (of the CSeq for responses) and status class")
          .tag("direction", direction.label())
          .tag("transport", transport.token())
          .tag("kind", labels.kind())
          .tag("method", labels.method().label())
          .tag("status", labels.status().label())
          .register(registry);
      messages.set(i, counter);
    }
    counter.increment();
  }

  @Override
  public void parseError(Transport transport) {
    parseErrors.get(transport.ordinal()).increment();
  }
}
