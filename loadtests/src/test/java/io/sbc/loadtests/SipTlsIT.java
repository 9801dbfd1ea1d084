package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SIP over TLS through a real node with a throwaway certificate (SIPp here has no TLS: JDK
 * sockets play caller and callee): a call over TLS on both legs end to end; garbage and plaintext
 * on the TLS port leave the node serving TLS; a response whose TCP connection closed reaches
 * the caller at its Via sent-by (RFC 3261 §18.2.2); a node without TLS answers a call routed to a
 * TLS next hop 503 and sends nothing in plaintext; a missing certificate file stops a node at
 * start with exit 2, naming the file.
 */
class SipTlsIT {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String SDP = "v=0\r\no=caller 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
      + "m=audio 6000 RTP/AVP 0\r\na=sendrecv\r\n";
  private static TestCertificates certs;
  private static TcpCallee tlsCallee;
  private static TcpCallee slowTcpCallee;
  private static NodeProcess node;
  private static int tlsPort;

  @BeforeAll
  static void start() throws Exception {
    certs = TestCertificates.selfSigned(Work.dir().resolve("sip-tls-" + System.nanoTime()));
    tlsCallee = TcpCallee.tls(certs.peerContext(), Duration.ofMillis(200));
    slowTcpCallee = TcpCallee.ringing(Duration.ofMillis(1500));
    tlsPort = Ports.free();
    Map<String, String> env = Map.of("SBC_SIP_TLS_PORT", Integer.toString(tlsPort),
        "SBC_SIP_TLS_CERT", certs.certificate.toString(), "SBC_SIP_TLS_KEY", certs.privateKey.toString(),
        "SBC_SIP_TLS_CA", certs.certificate.toString());
    String routes = "sbc.routes = [{ name = reconnect, user-prefix = reconnect, "
        + "next-hop = \"sip:127.0.0.1:" + slowTcpCallee.port + ";transport=tcp\" }]";
    node = NodeProcess.startWithEnv("sip-tls", "sip:127.0.0.1:" + tlsCallee.port + ";transport=tls", routes, env);
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (tlsCallee != null) {
      tlsCallee.close();
    }
    if (slowTcpCallee != null) {
      slowTcpCallee.close();
    }
  }

  @Test
  void aCallOverTlsOnBothLegsEndToEnd() throws Exception {
    callOverTls("tls-call-1");
    TcpCallee.Seen invite = tlsCallee.requests.get(tlsCallee.requests.keySet().stream()
        .filter(id -> tlsCallee.requests.get(id).stream().anyMatch(s -> s.text().contains("tls-call-1")))
        .findFirst().orElseThrow(() -> new AssertionError("the callee saw no INVITE of the call"))).get(0);
    assertTrue(invite.text().contains("Via: SIP/2.0/TLS 127.0.0.1:" + tlsPort + ";"),
        "the B-leg's Via names TLS and the node's TLS port:\n" + invite.text());
    assertTrue(invite.text().contains(":" + tlsPort + ";transport=tls"), "so does its Contact:\n" + invite.text());
  }

  @Test
  void garbageAndPlaintextOnTheTlsPortLeaveTheNodeServingTls() throws Exception {
    byte[] garbage = new byte[8192];
    ThreadLocalRandom.current().nextBytes(garbage);
    assertClosedAfter(garbage);
    assertClosedAfter(invite("sip:bob@127.0.0.1:" + tlsPort, "TCP", 5099, "plain-1", 5099).getBytes(StandardCharsets.UTF_8));
    callOverTls("tls-after-garbage");
    assertTrue(node.counter("sbc_sip_tls_handshake_failures_total") >= 2, "the handshakes that failed are counted");
  }

  @Test
  void aResponseWhoseConnectionClosedGoesToTheViaSentBy() throws Exception {
    try (ServerSocket sentBy = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
      sentBy.setSoTimeout((int) WAIT.toMillis());
      try (SipConnection caller = new SipConnection(new Socket("127.0.0.1", node.sipPort))) {
        caller.send(invite("sip:reconnect1@127.0.0.1:" + node.sipPort + ";transport=tcp", "TCP", sentBy.getLocalPort(),
            "tcp-reconnect-1", sentBy.getLocalPort()));
        assertEquals(100, ((SIPResponse) caller.next(WAIT)).getStatusCode());
      } // the caller's connection is gone while the callee rings
      try (SipConnection back = new SipConnection(sentBy.accept())) {
        SIPResponse ok = finalResponse(back);
        assertEquals(200, ok.getStatusCode(), "the 200 came to the Via's sent-by port on a new connection");
        String contact = ok.getContactHeader().getAddress().getURI().toString();
        back.send(inDialog("ACK", contact, "TCP", sentBy.getLocalPort(), ok, 1));
        back.send(inDialog("BYE", contact, "TCP", sentBy.getLocalPort(), ok, 2));
        assertEquals(200, ((SIPResponse) back.next(WAIT)).getStatusCode(), "the BYE is answered");
      }
    }
  }

  @Test
  void aNodeWithoutTlsAnswersATlsRoute503AndSendsNothingInPlaintext() throws Exception {
    try (ServerSocket plainListener = new ServerSocket(0, 5, InetAddress.getLoopbackAddress());
        NodeProcess noTls = NodeProcess.start("no-tls",
            "sip:127.0.0.1:" + plainListener.getLocalPort() + ";transport=tls", "");
        SipConnection caller = new SipConnection(new Socket("127.0.0.1", noTls.sipPort))) {
      int local = caller.socket.getLocalPort();
      caller.send(invite("sip:bob@127.0.0.1:" + noTls.sipPort + ";transport=tcp", "TCP", local, "no-tls-1", local));
      SIPResponse last = finalResponse(caller);
      assertEquals(503, last.getStatusCode(), "a TLS next hop without TLS configured: 503\n" + noTls.tail());
      plainListener.setSoTimeout(500);
      try (Socket leaked = plainListener.accept()) {
        throw new AssertionError("the node connected to the TLS next hop without TLS: " + leaked);
      } catch (SocketTimeoutException none) {
        // nothing connected: nothing went out in plaintext
      }
    }
  }

  @Test
  void aMissingCertificateFileStopsTheNodeWithExit2NamingIt() throws Exception {
    Path missing = certs.certificate.resolveSibling("no-such-cert.pem");
    Path jar = Path.of(System.getProperty("sbc.node.jar", "../node/target/sbc-node-0.1.0-SNAPSHOT-all.jar"));
    Path dir = Files.createDirectories(Work.dir().resolve("sip-tls-bad-" + System.nanoTime()));
    ProcessBuilder pb = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", jar.toAbsolutePath().toString()));
    pb.environment().putAll(Map.of("SBC_SIP_TLS_CERT", missing.toString(), "SBC_SIP_TLS_KEY",
        certs.privateKey.toString(), "SBC_HTTP_PORT", Integer.toString(Ports.free()), "SBC_SIP_PORT",
        Integer.toString(Ports.free()), "SBC_CLUSTER_PORT", Integer.toString(Ports.free()), "SBC_DATA_DIR",
        dir.resolve("data").toString()));
    Path log = dir.resolve("node.log");
    Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try (ReapOnExit reaper = ReapOnExit.kill("sip-tls-bad-node", p.toHandle())) {
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the node should stop by itself");
      String out = Files.readString(log);
      assertEquals(2, p.exitValue(), out);
      assertTrue(out.contains(missing.toString()), "the log names the file: " + out);
    } finally {
      p.destroyForcibly();
    }
  }

  /** INVITE, 100/180/200, ACK, BYE and its 200, all over one TLS connection to the node. */
  private static void callOverTls(String callId) throws Exception {
    SSLSocket socket = (SSLSocket) certs.peerContext().getSocketFactory().createSocket("127.0.0.1", tlsPort);
    try (SipConnection caller = new SipConnection(socket)) {
      int local = socket.getLocalPort();
      // the user part names the call on the B-leg too (its Call-ID is the SBC's own)
      caller.send(invite("sips:" + callId + "@127.0.0.1:" + tlsPort, "TLS", local, callId, local));
      assertEquals(100, ((SIPResponse) caller.next(WAIT)).getStatusCode());
      assertEquals(180, ((SIPResponse) caller.next(WAIT)).getStatusCode());
      SIPResponse ok = (SIPResponse) caller.next(WAIT);
      assertEquals(200, ok.getStatusCode());
      String contact = ok.getContactHeader().getAddress().getURI().toString();
      assertEquals("sips:sbc@127.0.0.1:" + tlsPort, contact, "a sips: request gets a sips: Contact at the TLS port");
      caller.send(inDialog("ACK", contact, "TLS", local, ok, 1));
      caller.send(inDialog("BYE", contact, "TLS", local, ok, 2));
      SIPResponse byeOk = (SIPResponse) caller.next(WAIT);
      assertEquals(200, byeOk.getStatusCode());
      assertEquals("BYE", byeOk.getCSeq().getMethod());
    }
    long deadline = System.currentTimeMillis() + WAIT.toMillis();
    while (tlsCallee.count("BYE") == 0 || !tlsCallee.requests.values().stream()
        .anyMatch(seen -> seen.stream().anyMatch(s -> s.method().equals("BYE"))
            && seen.get(0).text().contains(callId))) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("the callee got no BYE of " + callId + ": " + tlsCallee.requests.keySet());
      }
      Thread.sleep(50);
    }
  }

  /** The first final response on the connection (provisional ones skipped). */
  private static SIPResponse finalResponse(SipConnection c) throws IOException {
    while (true) {
      SIPMessage m = c.next(WAIT);
      if (m instanceof SIPResponse r && r.getStatusCode() >= 200) {
        return r;
      }
    }
  }

  private static void assertClosedAfter(byte[] bytes) throws Exception {
    try (Socket raw = new Socket("127.0.0.1", tlsPort)) {
      raw.setSoTimeout(10_000);
      raw.getOutputStream().write(bytes);
      InputStream in = raw.getInputStream();
      byte[] buf = new byte[1024];
      try {
        while (in.read(buf) >= 0) {
          // a TLS alert may come first; then the end of the stream
        }
      } catch (SocketTimeoutException stillOpen) {
        throw new AssertionError("the node kept a connection open that spoke no TLS");
      } catch (IOException reset) {
        // closed hard: fine
      }
    }
  }

  private static String invite(String requestUri, String transport, int viaPort, String callId, int contactPort) {
    String scheme = requestUri.startsWith("sips:") ? "sips" : "sip";
    return "INVITE " + requestUri + " SIP/2.0\r\n"
        + "Via: SIP/2.0/" + transport + " 127.0.0.1:" + viaPort + ";branch=z9hG4bK" + callId + ";rport\r\n"
        + "Max-Forwards: 70\r\n"
        + "From: <" + scheme + ":alice@127.0.0.1>;tag=caller1\r\n"
        + "To: <" + requestUri + ">\r\n"
        + "Call-ID: " + callId + "\r\n"
        + "CSeq: 1 INVITE\r\n"
        + "Contact: <" + scheme + ":alice@127.0.0.1:" + contactPort
        + (scheme.equals("sips") ? "" : ";transport=" + transport.toLowerCase()) + ">\r\n"
        + "Content-Type: application/sdp\r\nContent-Length: " + SDP.length() + "\r\n\r\n" + SDP;
  }

  private static String inDialog(String method, String target, String transport, int viaPort, SIPResponse ok, long cseq) {
    return method + " " + target + " SIP/2.0\r\n"
        + "Via: SIP/2.0/" + transport + " 127.0.0.1:" + viaPort + ";branch=z9hG4bK" + method + cseq
        + Long.toHexString(System.nanoTime()) + ";rport\r\n"
        + "Max-Forwards: 70\r\n"
        + "From: " + ok.getFrom().getAddress() + ";tag=" + ok.getFromTag() + "\r\n"
        + "To: " + ok.getTo().getAddress() + ";tag=" + ok.getToTag() + "\r\n"
        + "Call-ID: " + ok.getCallId().getCallId() + "\r\n"
        + "CSeq: " + cseq + " " + method + "\r\n"
        + "Content-Length: 0\r\n\r\n";
  }
}
