package io.sbc.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gov.nist.javax.sip.message.SIPRequest;
import io.sbc.gateway.codec.NettyLeakDetectorExtension;
import io.sbc.protocol.Transport;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * RFC 3261 §18.2.2 on real sockets: when the connection a request came on is gone, its response
 * goes on a new connection to the Via's sent-by port (at the {@code received} address), not to
 * the source port of the lost connection.
 */
@ExtendWith(NettyLeakDetectorExtension.class)
class ResponseReconnectTest {
  private final List<String> failures = new CopyOnWriteArrayList<>();

  @Test
  void aResponseWhoseConnectionClosedGoesToTheViaSentBy() throws Exception {
    try (TestGateway gw = new TestGateway(SipGatewayTest.plain(SipGatewayTest.freePort()));
        StreamPeer listener = new StreamPeer(0)) {
      TestGateway.Received request = requestOverTcpThenClose(gw, "127.0.0.1", listener.port);
      gw.gateway.send(request.flow(), ok(request), failures::add);
      StreamPeer.Message answer = listener.next();
      assertTrue(answer.text().startsWith("SIP/2.0 200 OK"), answer.text());
      assertTrue(failures.isEmpty(), failures.toString());
    }
  }

  @Test
  void theHostComesFromReceivedWhenTheSentByHostIsNotWhereTheRequestCameFrom() throws Exception {
    try (TestGateway gw = new TestGateway(SipGatewayTest.plain(SipGatewayTest.freePort()));
        StreamPeer listener = new StreamPeer(0)) {
      // sent-by names a host that does not resolve; the gateway stamped received=127.0.0.1
      TestGateway.Received request = requestOverTcpThenClose(gw, "client.invalid", listener.port);
      assertEquals("127.0.0.1", ((SIPRequest) request.message()).getTopmostVia().getReceived());
      gw.gateway.send(request.flow(), ok(request), failures::add);
      assertTrue(listener.next().text().startsWith("SIP/2.0 200 OK"));
      assertTrue(failures.isEmpty(), failures.toString());
    }
  }

  @Test
  void aRequestOnALostConnectionStillGoesToTheFlowsAddress() throws Exception {
    try (TestGateway gw = new TestGateway(SipGatewayTest.plain(SipGatewayTest.freePort()));
        StreamPeer target = new StreamPeer(0)) {
      Flow toTarget = new Flow(Transport.TCP, "127.0.0.1", target.port, "gone", null, "");
      byte[] bye = ("BYE sip:a@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:5060;branch=z9hG4bKr1\r\n"
          + "From: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\nCall-ID: r1\r\n"
          + "CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.UTF_8);
      gw.gateway.send(toTarget, bye, failures::add);
      assertTrue(target.next().text().startsWith("BYE "));
    }
  }

  /** An OPTIONS over a TCP connection whose Via says {@code sentByHost:sentByPort}; the connection then closes. */
  private static TestGateway.Received requestOverTcpThenClose(TestGateway gw, String sentByHost, int sentByPort)
      throws Exception {
    TestGateway.Received r;
    try (Socket client = new Socket("127.0.0.1", gw.settings.port())) {
      String options = "OPTIONS sip:sbc@127.0.0.1 SIP/2.0\r\n"
          + "Via: SIP/2.0/TCP " + sentByHost + ":" + sentByPort + ";branch=z9hG4bKrr1\r\n"
          + "Max-Forwards: 70\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:sbc@127.0.0.1>\r\n"
          + "Call-ID: reconnect-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
      client.getOutputStream().write(options.getBytes(StandardCharsets.UTF_8));
      r = gw.next();
      assertNotNull(r);
      assertEquals(Transport.TCP, r.flow().transport());
      assertTrue(r.flow().remotePort() != sentByPort);
    }
    Thread.sleep(200); // the gateway sees the close
    return r;
  }

  private static byte[] ok(TestGateway.Received request) {
    return ((SIPRequest) request.message()).createResponse(200).encodeAsBytes("TCP");
  }
}
