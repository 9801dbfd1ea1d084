package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sbc.protocol.CallIds;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Requests that belong to no call, sent over a real UDP socket to a real node. */
class StrayRequestsIT {
  private static NodeProcess node;
  private static DatagramSocket socket;

  @BeforeAll
  static void start() throws Exception {
    node = NodeProcess.start("stray", "sip:127.0.0.1:" + Ports.free(), "");
    socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    socket.setSoTimeout(5000);
  }

  @AfterAll
  static void stop() throws Exception {
    if (socket != null) {
      socket.close();
    }
    if (node != null) {
      node.close();
    }
  }

  @Test
  void inDialogRequestForAnUnknownCallGets481() throws Exception {
    assertTrue(exchange(request("BYE", "stray-bye-1", ";tag=abc")).startsWith("SIP/2.0 481 "));
  }

  @Test
  void requestOnAnSbcIssuedCallIdWithoutACallGets481AndItsAckNothing() throws Exception {
    // The node runs with the default cluster secret, so this is a B-leg Call-ID it could have issued.
    CallIds ids = new CallIds("change-me");
    String callId = ids.issue(ids.entityIdOf("no-such-call@example.com"), 7);
    assertTrue(exchange(request("BYE", callId, ";tag=abc")).startsWith("SIP/2.0 481 "));
    send(request("ACK", callId, ";tag=abc"));
    assertNull(receive(1500), "an ACK must never be answered");
  }

  @Test
  void outOfDialogOptionsIsAnsweredAndOtherMethodsAreRefused() throws Exception {
    assertTrue(exchange(request("OPTIONS", "stray-options-1", "")).startsWith("SIP/2.0 200 "));
    assertTrue(exchange(request("MESSAGE", "stray-message-1", "")).startsWith("SIP/2.0 405 "));
  }

  private static String request(String method, String callId, String toTagParam) {
    return method + " sip:sbc@127.0.0.1:" + node.sipPort + " SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP 127.0.0.1:" + socket.getLocalPort() + ";branch=z9hG4bK" + method + callId.hashCode() + ";rport\r\n"
        + "Max-Forwards: 70\r\n"
        + "From: <sip:probe@127.0.0.1>;tag=probe1\r\n"
        + "To: <sip:sbc@127.0.0.1>" + toTagParam + "\r\n"
        + "Call-ID: " + callId + "\r\n"
        + "CSeq: 5 " + method + "\r\n"
        + "Content-Length: 0\r\n\r\n";
  }

  private static String exchange(String request) throws Exception {
    send(request);
    String answer = receive(5000);
    if (answer == null) {
      throw new AssertionError("no answer to\n" + request + "\n--- node\n" + node.tail());
    }
    return answer;
  }

  private static void send(String text) throws Exception {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    socket.send(new DatagramPacket(b, b.length, new InetSocketAddress("127.0.0.1", node.sipPort)));
  }

  private static String receive(int timeoutMillis) throws Exception {
    socket.setSoTimeout(timeoutMillis);
    DatagramPacket p = new DatagramPacket(new byte[4096], 4096);
    try {
      socket.receive(p);
      return new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8);
    } catch (SocketTimeoutException none) {
      return null;
    }
  }
}
