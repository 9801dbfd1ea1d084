package io.sbc.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gov.nist.javax.sip.message.SIPRequest;
import io.sbc.gateway.codec.NettyLeakDetectorExtension;
import io.sbc.gateway.tls.TestPki;
import io.sbc.gateway.tls.TlsSettings;
import io.sbc.gateway.tls.TlsSettings.ClientAuth;
import io.sbc.protocol.Transport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * SIP over TLS on real sockets with throwaway certificates: the listener (framed like TCP,
 * answers on the same connection, garbage and plaintext closed without harm) and the
 * connections the gateway opens (the server's chain checked against the configured CA, the host
 * name when asked, never plaintext when TLS is not configured).
 */
@ExtendWith(NettyLeakDetectorExtension.class)
class TlsTransportTest {
  private static TestPki sbc;
  private static TestPki peer;
  private static TestPki stranger;

  @BeforeAll
  static void certificates() throws Exception {
    Path dir = Files.createTempDirectory("sbc-tls-test");
    sbc = TestPki.selfSigned(dir, "sbc", "ip:127.0.0.1");
    peer = TestPki.selfSigned(dir, "peer", "ip:127.0.0.1");
    stranger = TestPki.selfSigned(dir, "stranger", "ip:127.0.0.1");
  }

  private static TestGateway gateway(ClientAuth clientAuth, boolean verifyHostname) throws Exception {
    TlsSettings tls = new TlsSettings(SipGatewayTest.freePort(), sbc.certificate.toString(),
        sbc.privateKey.toString(), peer.certificate.toString(), clientAuth, verifyHostname, Duration.ofSeconds(3));
    return new TestGateway(SipGatewayTest.plain(SipGatewayTest.freePort()).withTls(tls));
  }

  @Test
  void aTlsClientIsServedAndAnsweredOnItsConnection() throws Exception {
    try (TestGateway gw = gateway(ClientAuth.NONE, false);
        SSLSocket client = connect(peer.context(sbc.cert), gw.settings.tls().port())) {
      client.getOutputStream().write(options("tls-1").getBytes(StandardCharsets.UTF_8));
      TestGateway.Received r = gw.next();
      assertEquals(Transport.TLS, r.flow().transport());
      assertEquals("127.0.0.1:" + gw.settings.tls().port(), r.flow().localAddress(),
          "what the SBC writes into Via and Contact on this flow: the TLS port");
      gw.gateway.send(r.flow(), ((SIPRequest) r.message()).createResponse(200).encodeAsBytes("TLS"),
          reason -> { throw new AssertionError(reason); });
      assertTrue(readHead(client).startsWith("SIP/2.0 200"));
    }
  }

  @Test
  void requestsToATlsPeerGoOverTlsWithTheSbcsCertificateWhenThePeerAsks() throws Exception {
    try (TestGateway gw = gateway(ClientAuth.NONE, false);
        StreamPeer tlsPeer = new StreamPeer(peer.context(sbc.cert), true)) {
      BlockingQueue<String> failures = new LinkedBlockingQueue<>();
      gw.gateway.send(new Flow(Transport.TLS, "127.0.0.1", tlsPeer.port, "", null, ""), bye("out-1"), failures::add);
      assertTrue(tlsPeer.next().text().startsWith("BYE "));
      assertNull(failures.poll(200, TimeUnit.MILLISECONDS));
    }
  }

  @Test
  void aServerWhoseCertificateDoesNotChainToTheCaIsRefusedAndGetsNothing() throws Exception {
    try (TestGateway gw = gateway(ClientAuth.NONE, false);
        StreamPeer impostor = new StreamPeer(stranger.context(sbc.cert), false)) {
      BlockingQueue<String> failures = new LinkedBlockingQueue<>();
      gw.gateway.send(new Flow(Transport.TLS, "127.0.0.1", impostor.port, "", null, ""), bye("out-2"), failures::add);
      String reason = failures.poll(5, TimeUnit.SECONDS);
      assertTrue(reason != null && reason.contains("SSLHandshakeException"), "refused: " + reason);
      assertNull(impostor.messages.poll(300, TimeUnit.MILLISECONDS), "not a byte of SIP to it");
      assertTrue(gw.stats.tlsHandshakeFailures.sum() >= 1);
    }
  }

  @Test
  void withHostnameVerificationTheCertificateMustNameTheHostConnectedTo() throws Exception {
    // the peer's certificate names IP 127.0.0.1 only; "localhost" reaches it but is not in it
    try (StreamPeer tlsPeer = new StreamPeer(peer.context(sbc.cert), false)) {
      try (TestGateway strict = gateway(ClientAuth.NONE, true)) {
        BlockingQueue<String> failures = new LinkedBlockingQueue<>();
        strict.gateway.send(new Flow(Transport.TLS, "localhost", tlsPeer.port, "", null, ""), bye("h-1"), failures::add);
        String reason = failures.poll(5, TimeUnit.SECONDS);
        assertTrue(reason != null && reason.contains("SSLHandshakeException"), "refused: " + reason);
        strict.gateway.send(new Flow(Transport.TLS, "127.0.0.1", tlsPeer.port, "", null, ""), bye("h-2"), failures::add);
        assertTrue(tlsPeer.next().text().contains("Call-ID: h-2"), "the IP it names is accepted");
      }
      try (TestGateway chainOnly = gateway(ClientAuth.NONE, false)) {
        chainOnly.gateway.send(new Flow(Transport.TLS, "localhost", tlsPeer.port, "", null, ""), bye("h-3"), null);
        assertTrue(tlsPeer.next().text().contains("Call-ID: h-3"), "off: the chain is enough");
      }
    }
  }

  @Test
  void garbageAndPlaintextOnTheTlsPortAreClosedAndTlsGoesOn() throws Exception {
    try (TestGateway gw = gateway(ClientAuth.NONE, false)) {
      int port = gw.settings.tls().port();
      byte[] garbage = new byte[4096];
      ThreadLocalRandom.current().nextBytes(garbage);
      assertClosedAfter(port, garbage);
      assertClosedAfter(port, options("plain-1").getBytes(StandardCharsets.UTF_8));
      assertNull(gw.inbound.poll(200, TimeUnit.MILLISECONDS), "nothing of it reached a call");
      assertTrue(gw.stats.tlsHandshakeFailures.sum() >= 2, "counted: " + gw.stats.tlsHandshakeFailures.sum());
      try (SSLSocket client = connect(peer.context(sbc.cert), port)) {
        client.getOutputStream().write(options("tls-after").getBytes(StandardCharsets.UTF_8));
        assertEquals("tls-after", gw.next().message().getCallId().getCallId());
      }
    }
  }

  @Test
  void withClientAuthRequiredAPeerWithoutATrustedCertificateIsRefused() throws Exception {
    try (TestGateway gw = gateway(ClientAuth.REQUIRE, false)) {
      int port = gw.settings.tls().port();
      try (SSLSocket anonymous = connect(strangerTrustingSbc(), port)) {
        anonymous.getOutputStream().write(options("anon").getBytes(StandardCharsets.UTF_8));
        readHead(anonymous);
      } catch (IOException refused) {
        // the handshake failed, as it should
      }
      assertNull(gw.inbound.poll(500, TimeUnit.MILLISECONDS), "nothing from an unknown client");
      try (SSLSocket known = connect(peer.context(sbc.cert), port)) {
        known.getOutputStream().write(options("known").getBytes(StandardCharsets.UTF_8));
        assertEquals("known", gw.next().message().getCallId().getCallId());
      }
    }
  }

  @Test
  void withoutTlsConfiguredATlsSendFailsAndNothingGoesOutInPlaintext() throws Exception {
    try (TestGateway gw = new TestGateway(SipGatewayTest.plain(SipGatewayTest.freePort()));
        StreamPeer plainListener = new StreamPeer(0)) {
      BlockingQueue<String> failures = new LinkedBlockingQueue<>();
      gw.gateway.send(new Flow(Transport.TLS, "127.0.0.1", plainListener.port, "", null, ""), bye("no-tls"),
          failures::add);
      String reason = failures.poll(5, TimeUnit.SECONDS);
      assertTrue(reason != null && reason.contains("TLS is not configured"), reason);
      Thread.sleep(200);
      assertEquals(0, plainListener.accepted.get(), "no connection at all");
    }
  }

  /** A client that trusts the SBC but has a certificate the SBC does not trust. */
  private static SSLContext strangerTrustingSbc() throws Exception {
    return stranger.context(sbc.cert);
  }

  private static void assertClosedAfter(int port, byte[] bytes) throws Exception {
    try (Socket raw = new Socket("127.0.0.1", port)) {
      raw.setSoTimeout(5000);
      raw.getOutputStream().write(bytes);
      InputStream in = raw.getInputStream();
      byte[] buf = new byte[1024];
      try {
        while (in.read(buf) >= 0) {
          // a TLS alert may come first; then the end of the stream
        }
      } catch (SocketTimeoutException stillOpen) {
        throw new AssertionError("the gateway kept a connection open that sent no TLS");
      } catch (IOException reset) {
        // closed hard: fine
      }
    }
  }

  private static SSLSocket connect(SSLContext ctx, int port) throws IOException {
    SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port);
    s.setSoTimeout(5000);
    return s;
  }

  /** The head of the next message (our test answers have no body). */
  private static String readHead(Socket s) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    InputStream in = s.getInputStream();
    while (!out.toString(StandardCharsets.UTF_8).contains("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed after " + out);
      }
      out.write(b);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static String options(String callId) {
    return "OPTIONS sip:sbc@127.0.0.1 SIP/2.0\r\n"
        + "Via: SIP/2.0/TLS 127.0.0.1:5099;branch=z9hG4bK" + callId + "\r\n"
        + "Max-Forwards: 70\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:sbc@127.0.0.1>\r\n"
        + "Call-ID: " + callId + "\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
  }

  private static byte[] bye(String callId) {
    return ("BYE sips:b@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK" + callId + "\r\n"
        + "Max-Forwards: 70\r\nFrom: <sip:a@example.com>;tag=1\r\nTo: <sip:b@example.com>;tag=2\r\n"
        + "Call-ID: " + callId + "\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.UTF_8);
  }
}
