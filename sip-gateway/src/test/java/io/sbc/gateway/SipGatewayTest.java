package io.sbc.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import io.sbc.gateway.codec.NettyLeakDetectorExtension;
import io.sbc.protocol.Transport;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The gateway on real loopback sockets: what reaches the sink, what is answered, what is dropped;
 * a buffer leak reported by Netty's detector (PARANOID in the build) fails the test.
 */
@ExtendWith(NettyLeakDetectorExtension.class)
class SipGatewayTest {
  private record Received(SIPMessage message, Flow flow) {}

  private final BlockingQueue<Received> inbound = new LinkedBlockingQueue<>();
  private final RecordedTraffic traffic = new RecordedTraffic();
  private final GatewayStats stats = new GatewayStats(traffic);
  private final AdmissionControl admission = new AdmissionControl(100, 7);
  private SipGateway gateway;
  private int port;

  @BeforeEach
  void start() throws Exception {
    port = freePort();
    gateway = new SipGateway(
        plain(port),
        (m, f, at) -> inbound.add(new Received(m, f)), stats, admission);
    gateway.start(null);
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  @Test
  void aSendBeforeTheSocketsAreBoundOrAfterTheyClosedIsDroppedNotThrown() throws Exception {
    GatewayStats unbound = new GatewayStats();
    SipGateway notStarted = new SipGateway(
        plain(freePort()),
        (m, f, at) -> { }, unbound, admission);
    Flow somewhere = new Flow(io.sbc.protocol.Transport.UDP, "127.0.0.1", 9, "", null);
    java.util.List<String> failures = new java.util.ArrayList<>();
    notStarted.send(somewhere, "OPTIONS sip:x SIP/2.0\r\n\r\n".getBytes(StandardCharsets.UTF_8), failures::add);
    notStarted.close();
    notStarted.send(somewhere, "OPTIONS sip:x SIP/2.0\r\n\r\n".getBytes(StandardCharsets.UTF_8), failures::add);
    assertEquals(2, unbound.droppedNotOpen.sum(), "a restarted node's gateway may be sent to before it binds");
    assertTrue(failures.isEmpty(), "a loss, not a failure of the caller's transaction: " + failures);
  }

  @Test
  void udpRequestReachesSinkWithReceivedAndRport() throws Exception {
    try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      client.send(datagram(options("client.invalid", 5099, ";rport")));
      Received r = inbound.poll(5, TimeUnit.SECONDS);
      assertNotNull(r, "request did not reach the sink");
      Via top = ((SIPRequest) r.message()).getTopmostVia();
      assertEquals("127.0.0.1", top.getReceived());
      assertEquals(client.getLocalPort(), top.getRPort());
      assertEquals(Transport.UDP, r.flow().transport());
      assertEquals(client.getLocalPort(), r.flow().remotePort());
    }
  }

  @Test
  void aDatagramFarLargerThanNettysDefaultBufferArrivesWhole() throws Exception {
    StringBuilder sdp = new StringBuilder("v=0\r\no=big 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        + "m=audio 4000 RTP/AVP 0\r\n");
    for (int i = 0; sdp.length() < 9000; i++) { // ICE candidates, as WebRTC gateways send them
      sdp.append("a=candidate:").append(i).append(" 1 UDP 2122252543 192.0.2.").append(i % 250)
          .append(" ").append(40000 + i).append(" typ host\r\n");
    }
    String invite = invite("big-1").replace("Content-Length: 0\r\n\r\n",
        "Content-Type: application/sdp\r\nContent-Length: " + sdp.length() + "\r\n\r\n" + sdp);
    try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      client.send(datagram(invite));
      Received r = inbound.poll(5, TimeUnit.SECONDS);
      assertNotNull(r, "a " + invite.length() + "-byte INVITE did not reach the sink");
      assertEquals(sdp.length(), r.message().getRawContent().length, "the body arrived whole");
    }
  }

  @Test
  void aDatagramOverTheConfiguredMaximumIsAnswered513NotReadAsAShorterMessage() throws Exception {
    int small = freePort();
    GatewaySettings p = plain(small);
    GatewaySettings limited = new GatewaySettings(p.host(), small, p.advertisedHost(), 1, 2, 1000, 4096,
        p.udpBufferBytes(), p.connectTimeoutMillis(), 0, p.tls(), Front.NONE);
    SipGateway strict = new SipGateway(limited, (m, f, at) -> inbound.add(new Received(m, f)), stats, admission);
    strict.start(null);
    try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      client.setSoTimeout(5000);
      String body = "x".repeat(6000);
      byte[] big = invite("big-2").replace("Content-Length: 0\r\n\r\n",
          "Content-Type: text/plain\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
          .getBytes(StandardCharsets.UTF_8);
      client.send(new DatagramPacket(big, big.length, new InetSocketAddress("127.0.0.1", small)));
      String text = receive(client);
      assertTrue(text.startsWith("SIP/2.0 513 Message Too Large"), text);
      assertTrue(text.contains("Call-ID: big-2"), text);
      assertNull(inbound.poll(300, TimeUnit.MILLISECONDS), "nothing of it reaches the calls");
      // exactly at the limit is still a message
      String fits = invite("big-3");
      String pad = "y".repeat(4096 - fits.length() - "Content-Type: text/plain\r\nContent-Length: 0000\r\n".length()
          + "Content-Length: 0\r\n".length());
      String exact = fits.replace("Content-Length: 0\r\n\r\n",
          "Content-Type: text/plain\r\nContent-Length: " + pad.length() + "\r\n\r\n" + pad);
      assertEquals(4096, exact.getBytes(StandardCharsets.UTF_8).length);
      client.send(new DatagramPacket(exact.getBytes(StandardCharsets.UTF_8), 4096, new InetSocketAddress("127.0.0.1", small)));
      assertNotNull(inbound.poll(5, TimeUnit.SECONDS), "a datagram of exactly the maximum is taken");
    } finally {
      strict.close();
    }
  }

  @Test
  void udpWithoutRportGetsReceivedOnlyWhenHostDiffers() throws Exception {
    try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      client.send(datagram(options("127.0.0.1", client.getLocalPort(), "")));
      Via top = ((SIPRequest) inbound.poll(5, TimeUnit.SECONDS).message()).getTopmostVia();
      assertNull(top.getReceived(), "sent-by matches the source: no received (RFC 3261 18.2.1)");
      assertTrue(top.getRPort() <= 0);
    }
  }

  @Test
  void malformedRequestWithUsableHeadersIsAnswered400() throws Exception {
    String bad = options("127.0.0.1", 5099, "").replace("CSeq: 1 OPTIONS", "CSeq: 1 INVITE");
    try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      client.setSoTimeout(5000);
      client.send(datagram(bad));
      String text = receive(client);
      assertTrue(text.startsWith("SIP/2.0 400 "), text);
      assertTrue(text.contains("Call-ID: gw-test-1"), text);
      assertNull(inbound.poll(300, TimeUnit.MILLISECONDS), "a rejected request must not reach the sink");
      assertEquals(1, stats.badRequestsAnswered.sum());
      assertEquals(1, traffic.count("parse-error udp"), traffic.toString());
      assertEquals(0, traffic.count("in udp request INVITE"), "what did not parse is no message in");
      assertEquals(1, traffic.await("out udp response INVITE 4xx", 1), "the 400 counts as sent: " + traffic);
      assertEquals(1, stats.sent.sum());
    }
  }

  @Test
  void garbageIsDroppedAndCounted() throws Exception {
    try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      client.send(datagram("\u0001\u0002 not SIP at all\r\n\r\n"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (stats.dropped.sum() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertEquals(1, stats.dropped.sum());
      assertNull(inbound.poll(100, TimeUnit.MILLISECONDS));
      assertEquals(1, traffic.count("parse-error udp"), traffic.toString());
    }
  }

  @Test
  void tcpResponseGoesBackOnTheSameConnection() throws Exception {
    try (Socket client = new Socket("127.0.0.1", port)) {
      client.setSoTimeout(5000);
      client.getOutputStream().write(options("127.0.0.1", client.getLocalPort(), "").getBytes(StandardCharsets.UTF_8));
      Received r = inbound.poll(5, TimeUnit.SECONDS);
      assertNotNull(r);
      assertEquals(Transport.TCP, r.flow().transport());
      assertTrue(!r.flow().connectionId().isEmpty());
      byte[] response = ((SIPRequest) r.message()).createResponse(200).encodeAsBytes("TCP");
      gateway.send(r.flow(), response, reason -> { throw new AssertionError(reason); });
      InputStream in = client.getInputStream();
      byte[] buf = new byte[response.length];
      int n = 0;
      while (n < buf.length) {
        int k = in.read(buf, n, buf.length - n);
        assertTrue(k > 0, "connection closed early");
        n += k;
      }
      assertTrue(new String(buf, StandardCharsets.UTF_8).startsWith("SIP/2.0 200"));
    }
  }

  @Test
  void messagesAreCountedByDirectionTransportMethodAndStatusClass() throws Exception {
    try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        Socket tcp = new Socket("127.0.0.1", port)) {
      client.setSoTimeout(5000);
      client.send(datagram(options("127.0.0.1", client.getLocalPort(), "")));
      client.send(datagram(invite("count-1").replace("INVITE", "FROBNICATE")));
      tcp.getOutputStream().write(invite("count-2").getBytes(StandardCharsets.UTF_8));
      Received options = null;
      for (int i = 0; i < 3; i++) {
        Received r = inbound.poll(5, TimeUnit.SECONDS);
        assertNotNull(r, traffic.toString());
        if (r.message() instanceof SIPRequest req && req.getMethod().equals("OPTIONS")) {
          options = r;
        }
      }
      assertNotNull(options);
      assertEquals(1, traffic.count("in udp request OPTIONS"), traffic.toString());
      assertEquals(1, traffic.count("in udp request other"), "an unknown method is 'other': " + traffic);
      assertEquals(1, traffic.count("in tcp request INVITE"), traffic.toString());

      byte[] ok = ((SIPRequest) options.message()).createResponse(200).encodeAsBytes("UDP");
      gateway.send(options.flow(), ok, reason -> { throw new AssertionError(reason); });
      assertTrue(receive(client).startsWith("SIP/2.0 200"));
      assertEquals(1, traffic.await("out udp response OPTIONS 2xx", 1), traffic.toString());

      String bye = "BYE sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bKc1\r\n"
          + "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\nCall-ID: c1\r\n"
          + "CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n";
      gateway.send(options.flow(), bye.getBytes(StandardCharsets.UTF_8), null);
      receive(client);
      assertEquals(1, traffic.await("out udp request BYE", 1), traffic.toString());
      assertEquals(2, stats.sent.sum());
    }
  }

  @Test
  void tcpConnectFailureIsReported() throws Exception {
    int closed = freePort();
    BlockingQueue<String> failures = new LinkedBlockingQueue<>();
    gateway.send(new Flow(Transport.TCP, "127.0.0.1", closed, "", null),
        options("127.0.0.1", port, "").getBytes(StandardCharsets.UTF_8), failures::add);
    assertNotNull(failures.poll(5, TimeUnit.SECONDS), "connection refused must be reported");
  }

  @Test
  void newInvitesGet503WithRetryAfterWhileEntitiesLag() throws Exception {
    try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      client.setSoTimeout(5000);
      for (int i = 0; i < 1000; i++) {
        admission.recordLag(1000); // entities report a second of queueing
      }
      client.send(datagram(invite("inv-1")));
      String text = receive(client);
      assertTrue(text.startsWith("SIP/2.0 503 "), text);
      assertTrue(text.contains("Retry-After: 7"), text);
      assertTrue(text.contains("Call-ID: inv-1"), text);
      assertNull(inbound.poll(200, TimeUnit.MILLISECONDS), "a refused INVITE must not create a call");
      assertEquals(1, admission.rejected());
      // In-dialog traffic of admitted calls still flows while new calls are refused.
      client.send(datagram(inDialogOptions()));
      assertNotNull(inbound.poll(5, TimeUnit.SECONDS));
      for (int i = 0; i < 2000; i++) {
        admission.recordLag(0); // the node recovered
      }
      client.send(datagram(invite("inv-2")));
      Received admitted = inbound.poll(5, TimeUnit.SECONDS);
      assertNotNull(admitted);
      assertEquals("inv-2", admitted.message().getCallId().getCallId());
    }
  }

  @Test
  void aDrainingNodeRefusesNewInvitesButServesItsCalls() throws Exception {
    try (DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      client.setSoTimeout(5000);
      admission.draining(true);
      client.send(datagram(invite("drain-1")));
      String text = receive(client);
      assertTrue(text.startsWith("SIP/2.0 503 Service Unavailable (draining)"), text);
      assertTrue(text.contains("Retry-After: 7"), text);
      assertNull(inbound.poll(200, TimeUnit.MILLISECONDS), "a refused INVITE must not create a call");
      assertEquals(1, admission.refusedDraining());
      assertEquals(1, traffic.count("in udp request INVITE"), "a refused INVITE still came in: " + traffic);
      assertEquals(1, traffic.await("out udp response INVITE 5xx", 1), "and its 503 went out: " + traffic);
      assertEquals(0, admission.rejected(), "not counted as overload");
      client.send(datagram(inDialogOptions()));
      assertNotNull(inbound.poll(5, TimeUnit.SECONDS), "in-dialog requests still reach their calls");
      admission.draining(false);
      client.send(datagram(invite("drain-2")));
      Received admitted = inbound.poll(5, TimeUnit.SECONDS);
      assertNotNull(admitted);
      assertEquals("drain-2", admitted.message().getCallId().getCallId());
    }
  }

  private static String receive(DatagramSocket client) throws java.io.IOException {
    DatagramPacket answer = new DatagramPacket(new byte[4096], 4096);
    client.receive(answer);
    return new String(answer.getData(), 0, answer.getLength(), StandardCharsets.UTF_8);
  }

  /** An OPTIONS with a To-tag: in-dialog traffic of a call already admitted. */
  private static String inDialogOptions() {
    return options("127.0.0.1", 5099, "").replace("To: <sip:sbc@127.0.0.1>", "To: <sip:sbc@127.0.0.1>;tag=x");
  }

  private static String invite(String callId) {
    return "INVITE sip:bob@127.0.0.1 SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK" + callId + "\r\n"
        + "Max-Forwards: 70\r\n"
        + "From: <sip:a@example.com>;tag=1\r\n"
        + "To: <sip:bob@127.0.0.1>\r\n"
        + "Call-ID: " + callId + "\r\n"
        + "CSeq: 1 INVITE\r\n"
        + "Content-Length: 0\r\n\r\n";
  }

  private DatagramPacket datagram(String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    return new DatagramPacket(bytes, bytes.length, new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
  }

  private static String options(String viaHost, int viaPort, String viaParams) {
    return "OPTIONS sip:sbc@127.0.0.1 SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP " + viaHost + ":" + viaPort + ";branch=z9hG4bKgw1" + viaParams + "\r\n"
        + "Max-Forwards: 70\r\n"
        + "From: <sip:a@example.com>;tag=1\r\n"
        + "To: <sip:sbc@127.0.0.1>\r\n"
        + "Call-ID: gw-test-1\r\n"
        + "CSeq: 1 OPTIONS\r\n"
        + "Content-Length: 0\r\n\r\n";
  }

  /** UDP and TCP on {@code port}, no TLS, no §18.1.1 switch. */
  static GatewaySettings plain(int port) {
    return new GatewaySettings("127.0.0.1", port, "127.0.0.1", 1, 2, 1000, 65535, 1 << 20, 2000, 0,
        io.sbc.gateway.tls.TlsSettings.off(5061), Front.NONE);
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
