package io.sbc.node.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sbc.gateway.GatewayStats;
import io.sbc.gateway.MessageLabels;
import io.sbc.gateway.SipTraffic.Direction;
import io.sbc.protocol.Transport;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The gateway's counts as Prometheus text: bounded series, one per label combination actually seen. */
class GatewayMetersTest {
  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final GatewayStats stats = GatewayMeters.bind(registry);

  @Test
  void messagesAreSeriesByDirectionTransportKindMethodAndStatus() {
    stats.traffic.message(Direction.IN, Transport.UDP, MessageLabels.ofWire(wire("INVITE sip:+4412345@example.com SIP/2.0")));
    stats.traffic.message(Direction.IN, Transport.UDP, MessageLabels.ofWire(wire("INVITE sip:bob@example.com SIP/2.0")));
    stats.traffic.message(Direction.OUT, Transport.TCP, MessageLabels.ofWire(wire("SIP/2.0 491 Request Pending")));
    stats.received.add(3);
    String page = registry.scrape();
    assertTrue(page.contains(
        "sbc_sip_messages_total{direction=\"in\",kind=\"request\",method=\"INVITE\",status=\"\",transport=\"udp\"} 2.0"),
        page);
    assertTrue(page.contains(
        "sbc_sip_messages_total{direction=\"out\",kind=\"response\",method=\"INVITE\",status=\"4xx\",transport=\"tcp\"} 1.0"),
        page);
    assertTrue(page.contains("sbc_sip_messages_received_total 3.0"), page);
    assertFalse(page.contains("4412345") || page.contains("bob") || page.contains("call-id-"), page);
  }

  @Test
  void parseErrorsAreThereFromTheStartPerTransport() {
    stats.traffic.parseError(Transport.TCP);
    String page = registry.scrape();
    assertTrue(page.contains("sbc_sip_parse_errors_total{transport=\"udp\"} 0.0"), page);
    assertTrue(page.contains("sbc_sip_parse_errors_total{transport=\"tcp\"} 1.0"), page);
  }

  @Test
  void whateverMethodsPeersInventTheNumberOfSeriesStaysBounded() {
    Random random = new Random(7);
    for (int i = 0; i < 5000; i++) {
      String method = Integer.toString(random.nextInt(1 << 20), 36).toUpperCase();
      stats.traffic.message(Direction.IN, Transport.UDP, MessageLabels.ofWire(wire(method + " sip:x@example.com SIP/2.0")));
      stats.traffic.message(Direction.IN, Transport.UDP,
          MessageLabels.ofWire(wire("SIP/2.0 " + random.nextInt(1000) + " X", method)));
    }
    long series = registry.getMeters().stream().filter(m -> m.getId().getName().equals("sbc_sip_messages")).count();
    // requests: other (and a few named methods by chance); responses: methods x 8 status classes
    assertTrue(series <= MessageLabels.Method.values().length * (1 + MessageLabels.StatusClass.values().length),
        series + " series");
    assertEquals(10_000, registry.find("sbc_sip_messages").counters().stream().mapToDouble(c -> c.count()).sum());
  }

  private static byte[] wire(String startLine) {
    return wire(startLine, "INVITE");
  }

  private static byte[] wire(String startLine, String cseqMethod) {
    return (startLine + "\r\nVia: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK1\r\nCall-ID: call-id-1@example.com\r\n"
        + "CSeq: 1 " + cseqMethod + "\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.UTF_8);
  }
}
