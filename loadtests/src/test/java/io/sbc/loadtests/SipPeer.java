package io.sbc.loadtests;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.protocol.DecodeResult;
import io.sbc.protocol.SipCodec;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.ListIterator;
import java.util.function.Predicate;

/**
 * A SIP user agent of the test's own on a real UDP socket on loopback, for what SIPp scenarios
 * cannot say: forks, late ACKs, retransmissions, headers of real trunks. It writes messages as
 * text (so a test controls every byte the SBC receives) and reads what arrives with the
 * product's codec, keeping everything it received so a test can wait for a message by content.
 */
final class SipPeer implements AutoCloseable {
  static final String SDP_OFFER = sdp("caller", 6000);
  static final String SDP_ANSWER = sdp("callee", 7000);

  final String name;
  private final DatagramSocket socket;
  private final List<SIPMessage> received = new ArrayList<>();
  private final List<SIPMessage> taken = new ArrayList<>();
  private final Thread reader;

  SipPeer(String name) throws SocketException {
    this.name = name;
    this.socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
    this.reader = new Thread(this::readLoop, "sip-peer-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  int port() {
    return socket.getLocalPort();
  }

  /** {@code host:port} of this peer, as written into its Via and Contact. */
  String hostPort() {
    return "127.0.0.1:" + port();
  }

  private void readLoop() {
    byte[] buf = new byte[65_535];
    while (!socket.isClosed()) {
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      try {
        socket.receive(p);
      } catch (java.io.IOException closed) {
        return;
      }
      if (SipCodec.decode(p.getData(), p.getOffset(), p.getLength()) instanceof DecodeResult.Decoded d) {
        synchronized (received) {
          received.add(d.message());
          received.notifyAll();
        }
      }
    }
  }

  /** Sends SIP text (CRLF line ends; Content-Length is the test's business) to a port on loopback. */
  void send(String text, int port) throws java.io.IOException {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    socket.send(new DatagramPacket(b, b.length, new InetSocketAddress("127.0.0.1", port)));
  }

  /** Sends bytes as they are (e.g. a binary body) to a port on loopback. */
  void sendBytes(byte[] b, int port) throws java.io.IOException {
    socket.send(new DatagramPacket(b, b.length, new InetSocketAddress("127.0.0.1", port)));
  }

  /**
   * The first message received and not yet taken that matches, waiting for it up to {@code limit};
   * taken messages are not returned again. Fails the test with what did arrive if none comes.
   */
  SIPMessage await(String what, Predicate<SIPMessage> match, Duration limit) throws InterruptedException {
    SIPMessage m = poll(match, limit);
    if (m == null) {
      throw new AssertionError(name + ": no " + what + " within " + limit + "; received: " + summary());
    }
    return m;
  }

  SIPRequest awaitRequest(String method, Duration limit) throws InterruptedException {
    return (SIPRequest) await(method, m -> m instanceof SIPRequest r && r.getMethod().equals(method), limit);
  }

  SIPResponse awaitResponse(String method, int status, Duration limit) throws InterruptedException {
    return (SIPResponse) await(status + " to " + method, m -> m instanceof SIPResponse r
        && r.getStatusCode() == status && r.getCSeq().getMethod().equals(method), limit);
  }

  /** A final response (>= 200) to {@code method}, whatever its status. */
  SIPResponse awaitFinal(String method, Duration limit) throws InterruptedException {
    return (SIPResponse) await("final response to " + method, m -> m instanceof SIPResponse r
        && r.getStatusCode() >= 200 && r.getCSeq().getMethod().equals(method), limit);
  }

  /** Like {@link #await} but null when nothing matching arrives within {@code limit}. */
  SIPMessage poll(Predicate<SIPMessage> match, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    synchronized (received) {
      while (true) {
        for (ListIterator<SIPMessage> it = received.listIterator(); it.hasNext(); ) {
          SIPMessage m = it.next();
          if (match.test(m)) {
            it.remove();
            taken.add(m);
            return m;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return null;
        }
        received.wait(Math.max(1, left / 1_000_000));
      }
    }
  }

  /** Everything received so far that no await took (e.g. to assert nothing else came). */
  List<SIPMessage> untaken() {
    synchronized (received) {
      return List.copyOf(received);
    }
  }

  private String summary() {
    synchronized (received) {
      List<String> lines = new ArrayList<>();
      for (SIPMessage m : taken) {
        lines.add("(taken) " + m.getFirstLine().trim());
      }
      for (SIPMessage m : received) {
        lines.add(m.getFirstLine().trim() + " [" + m.getCSeq().getMethod() + "]");
      }
      return lines.toString();
    }
  }

  // ---- message text ---------------------------------------------------------------------

  /**
   * A request from this peer. {@code toTag} empty for an out-of-dialog request; {@code extra}
   * are header lines ending in CRLF; {@code body} null or an SDP (Content-Type application/sdp
   * unless {@code extra} sets one).
   */
  String request(String method, String requestUri, String callId, String fromTag, String toTag,
      long cseq, String branch, String extra, String body) {
    String b = body == null ? "" : body;
    String type = b.isEmpty() || extra.contains("Content-Type:") ? "" : "Content-Type: application/sdp\r\n";
    return method + " " + requestUri + " SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP " + hostPort() + ";branch=" + branch + ";rport\r\n"
        + "Max-Forwards: 70\r\n"
        + "From: <sip:" + name + "@127.0.0.1>;tag=" + fromTag + "\r\n"
        + "To: <" + requestUri + ">" + (toTag.isEmpty() ? "" : ";tag=" + toTag) + "\r\n"
        + "Call-ID: " + callId + "\r\n"
        + "CSeq: " + cseq + " " + method + "\r\n"
        + "Contact: <sip:" + name + "@" + hostPort() + ">\r\n"
        + extra + type
        + "Content-Length: " + b.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + b;
  }

  /**
   * A response of this peer to {@code req}: its Via, From, Call-ID and CSeq, its To with
   * {@code toTag} (unless it has one or the status is 100), this peer's Contact on 1xx-2xx.
   */
  String response(SIPRequest req, int status, String reason, String toTag, String extra, String body) {
    return response(req, status, reason, toTag, name, extra, body);
  }

  /**
   * As {@link #response(SIPRequest, int, String, String, String, String)} with {@code contactUser}
   * in the Contact: one of several UAS behind a forking proxy (each fork has its own Contact).
   */
  String response(SIPRequest req, int status, String reason, String toTag, String contactUser, String extra,
      String body) {
    StringBuilder s = new StringBuilder("SIP/2.0 " + status + " " + reason + "\r\n");
    for (Object via : req.getViaHeaders()) {
      s.append(via.toString());
    }
    s.append(req.getFrom().toString());
    String to = req.getTo().toString().trim();
    boolean tagged = req.getToTag() != null || status == 100;
    s.append(tagged ? to : to + ";tag=" + toTag).append("\r\n");
    s.append(req.getCallId().toString()).append(req.getCSeq().toString());
    ListIterator<?> rr = req.getHeaders("Record-Route");
    while (rr != null && rr.hasNext()) {
      s.append(rr.next().toString());
    }
    if (status > 100 && status < 300) {
      s.append("Contact: <sip:").append(contactUser).append("@").append(hostPort()).append(">\r\n");
    }
    String b = body == null ? "" : body;
    if (!b.isEmpty() && !extra.contains("Content-Type:")) {
      s.append("Content-Type: application/sdp\r\n");
    }
    s.append(extra).append("Content-Length: ").append(b.getBytes(StandardCharsets.UTF_8).length)
        .append("\r\n\r\n").append(b);
    return s.toString();
  }

  /** Sends a response to {@code req} back to where its top Via says (this test's loopback peers). */
  void respond(SIPRequest req, int status, String reason, String toTag, String extra, String body)
      throws java.io.IOException {
    int port = req.getTopmostVia().getRPort() > 0 ? req.getTopmostVia().getRPort() : req.getTopmostVia().getPort();
    send(response(req, status, reason, toTag, extra, body), port);
  }

  /** As {@link #respond}, as the fork whose Contact user is {@code contactUser} (see {@link #response}). */
  void respondAs(String contactUser, SIPRequest req, int status, String reason, String toTag, String extra, String body)
      throws java.io.IOException {
    int port = req.getTopmostVia().getRPort() > 0 ? req.getTopmostVia().getRPort() : req.getTopmostVia().getPort();
    send(response(req, status, reason, toTag, contactUser, extra, body), port);
  }

  /**
   * The ACK for a 2xx (RFC 3261 §13.2.2.4): a new transaction to the response's Contact, in the
   * dialog the 2xx made, with {@code body} (a delayed offer's answer) or none.
   */
  String ackFor(SIPResponse ok, String requestUri, String branch, String body) {
    String toTag = ok.getToTag();
    return request("ACK", requestUri, ok.getCallId().getCallId(), ok.getFromTag(), toTag,
        ok.getCSeq().getSeqNumber(), branch, "", body);
  }

  /** A request of {@code method} in the call with {@code callId}. */
  static Predicate<SIPMessage> isRequest(String method, String callId) {
    return m -> m instanceof SIPRequest r && r.getMethod().equals(method) && r.getCallId().getCallId().equals(callId);
  }

  /** A response {@code status} to {@code method} in the call with {@code callId}. */
  static Predicate<SIPMessage> isResponse(String method, int status, String callId) {
    return m -> m instanceof SIPResponse r && r.getStatusCode() == status && r.getCSeq().getMethod().equals(method)
        && r.getCallId().getCallId().equals(callId);
  }

  /** The value of a header (after the colon, trimmed); null when absent. */
  static String header(SIPMessage m, String name) {
    javax.sip.header.Header h = m.getHeader(name);
    return h instanceof gov.nist.javax.sip.header.SIPHeader s ? s.getHeaderValue().trim() : null;
  }

  /** The body as text ("" when none). */
  static String body(SIPMessage m) {
    byte[] raw = m.getRawContent();
    return raw == null ? "" : new String(raw, StandardCharsets.UTF_8);
  }

  static String sdp(String user, int port) {
    return "v=0\r\no=" + user + " 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        + "m=audio " + port + " RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";
  }

  static String branch() {
    return "z9hG4bK" + Long.toHexString(System.nanoTime());
  }

  @Override
  public void close() {
    socket.close();
  }
}
