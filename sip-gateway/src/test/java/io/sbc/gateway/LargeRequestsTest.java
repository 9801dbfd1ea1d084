package io.sbc.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sbc.gateway.codec.NettyLeakDetectorExtension;
import io.sbc.protocol.Transport;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * RFC 3261 §18.1.1 on real sockets: a request for UDP larger than the threshold reaches a peer
 * that listens on UDP and TCP over TCP (its Via saying so), and a peer without a TCP listener
 * over UDP after all; small requests and responses of any size stay on UDP.
 */
@ExtendWith(NettyLeakDetectorExtension.class)
class LargeRequestsTest {
  private final List<String> failures = new CopyOnWriteArrayList<>();
  private TestGateway gw;
  private int gwPort;
  private DatagramSocket udpPeer;
  private int peerPort;

  @BeforeEach
  void start() throws Exception {
    gwPort = SipGatewayTest.freePort();
    gw = new TestGateway(SipGatewayTest.plain(gwPort).withUdpMtuThreshold(1300));
    peerPort = udpAndTcpFreePort();
    udpPeer = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), peerPort));
  }

  @AfterEach
  void stop() {
    udpPeer.close();
    gw.close();
  }

  @Test
  void aLargeRequestGoesOverTcpWithItsViaSayingTcpAndItsCancelFollows() throws Exception {
    try (StreamPeer tcpPeer = new StreamPeer(peerPort)) {
      byte[] invite = invite("big-1", 2000);
      assertTrue(invite.length > 1300);
      gw.gateway.send(toPeer(), invite, failures::add);
      String received = tcpPeer.next().text();
      assertTrue(received.startsWith("INVITE "), received);
      assertTrue(received.contains("Via: SIP/2.0/TCP 127.0.0.1:" + gwPort + ";"), "the Via names the new transport: " + received);
      assertTrue(received.contains("a=x-filler"), "the body arrived whole");
      assertEquals(1, gw.stats.largeRequestsOverTcp.sum());

      gw.gateway.send(toPeer(), cancel("big-1"), failures::add);
      String cancel = tcpPeer.next().text();
      assertTrue(cancel.startsWith("CANCEL ") && cancel.contains("SIP/2.0/TCP"),
          "a CANCEL takes its INVITE's transport (§9.1): " + cancel);

      gw.gateway.send(toPeer(), invite("small-1", 0), failures::add);
      String small = receiveUdp(5000);
      assertTrue(small != null && small.contains("SIP/2.0/UDP"), "a small request stays on UDP: " + small);

      byte[] bigResponse = ("SIP/2.0 200 OK\r\n" + new String(invite("resp-1", 2000), StandardCharsets.UTF_8)
          .substring(new String(invite("resp-1", 2000), StandardCharsets.UTF_8).indexOf("\r\n") + 2))
          .getBytes(StandardCharsets.UTF_8);
      gw.gateway.send(toPeer(), bigResponse, failures::add);
      String response = receiveUdp(5000);
      assertTrue(response != null && response.startsWith("SIP/2.0 200"), "responses never move: " + response);
      assertEquals(1, tcpPeer.accepted.get(), "one connection, reused");
      assertTrue(failures.isEmpty(), failures.toString());
    }
  }

  @Test
  void withoutATcpListenerAtThePeerTheRequestGoesOverUdpAfterAll() throws Exception {
    gw.gateway.send(toPeer(), invite("big-2", 2000), failures::add);
    String received = receiveUdp(5000);
    assertTrue(received != null && received.startsWith("INVITE "), "the INVITE came over UDP: " + received);
    assertTrue(received.contains("Via: SIP/2.0/UDP 127.0.0.1:" + gwPort + ";"), received);
    assertEquals(1, gw.stats.largeRequestsBackToUdp.sum());
    assertEquals(0, gw.stats.largeRequestsOverTcp.sum());
    gw.gateway.send(toPeer(), cancel("big-2"), failures::add);
    String cancel = receiveUdp(5000);
    assertTrue(cancel != null && cancel.startsWith("CANCEL ") && cancel.contains("SIP/2.0/UDP"),
        "its CANCEL follows it on UDP: " + cancel);
    assertTrue(failures.isEmpty(), "nothing failed: " + failures);
  }

  @Test
  void aZeroThresholdKeepsEverythingOnUdp() throws Exception {
    try (TestGateway off = new TestGateway(SipGatewayTest.plain(SipGatewayTest.freePort()));
        StreamPeer tcpPeer = new StreamPeer(peerPort)) {
      off.gateway.send(toPeer(), invite("big-3", 4000), failures::add);
      String received = receiveUdp(5000);
      assertTrue(received != null && received.contains("SIP/2.0/UDP"), received);
      assertNull(tcpPeer.messages.poll(), "nothing over TCP");
    }
  }

  private Flow toPeer() {
    return new Flow(Transport.UDP, "127.0.0.1", peerPort, "", null, "127.0.0.1:" + gwPort);
  }

  private byte[] invite(String callId, int bodyAtLeast) {
    StringBuilder sdp = new StringBuilder("v=0\r\no=sbc 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        + "m=audio 4000 RTP/AVP 0\r\n");
    while (sdp.length() < bodyAtLeast) {
      sdp.append("a=x-filler:0123456789abcdef0123456789abcdef\r\n");
    }
    String body = bodyAtLeast == 0 ? "" : sdp.toString();
    return ("INVITE sip:bob@127.0.0.1:" + peerPort + " SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP 127.0.0.1:" + gwPort + ";branch=z9hG4bK" + callId + ";rport\r\n"
        + "Max-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:bob@127.0.0.1>\r\n"
        + "Call-ID: " + callId + "\r\nCSeq: 1 INVITE\r\n"
        + (body.isEmpty() ? "" : "Content-Type: application/sdp\r\n")
        + "Content-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8);
  }

  private byte[] cancel(String callId) {
    return ("CANCEL sip:bob@127.0.0.1:" + peerPort + " SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP 127.0.0.1:" + gwPort + ";branch=z9hG4bK" + callId + ";rport\r\n"
        + "Max-Forwards: 70\r\nFrom: <sip:a@127.0.0.1>;tag=1\r\nTo: <sip:bob@127.0.0.1>\r\n"
        + "Call-ID: " + callId + "\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.UTF_8);
  }

  private String receiveUdp(int timeoutMillis) throws Exception {
    udpPeer.setSoTimeout(timeoutMillis);
    DatagramPacket p = new DatagramPacket(new byte[65535], 65535);
    try {
      udpPeer.receive(p);
      return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
    } catch (SocketTimeoutException none) {
      return null;
    }
  }

  /** A loopback port free for both UDP and TCP (a SIP peer's address). */
  private static int udpAndTcpFreePort() throws Exception {
    for (int attempt = 0; attempt < 50; attempt++) {
      int port;
      try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = tcp.getLocalPort();
      }
      try (DatagramSocket udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
        return port;
      } catch (java.io.IOException taken) {
        // try another
      }
    }
    throw new IllegalStateException("no free port");
  }
}
