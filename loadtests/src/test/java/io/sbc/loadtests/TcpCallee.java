package io.sbc.loadtests;

import gov.nist.javax.sip.address.AddressFactoryImpl;
import gov.nist.javax.sip.header.HeaderFactoryImpl;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.protocol.DecodeResult;
import io.sbc.protocol.SipCodec;
import io.sbc.protocol.SipFrameScanner;
import io.sbc.protocol.SipFrameScanner.Frame;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * A callee reached over TCP (or TLS, as SIPp here has no TLS) on a real socket, for what SIPp
 * cannot do: SIPp ends a call when its TCP connection closes, while a real UA keeps its dialogs
 * and takes the next request on a new connection. Answers every INVITE (initial or re-INVITE)
 * with 200 and an SDP answer (an initial one after a 180 and {@code ringing}, when set), BYE and
 * other requests with 200, and ignores ACK; responses go back on the connection the request came
 * in on (RFC 3261 §18.2.2). Records, per Call-ID, each request (its text too) and its connection.
 */
final class TcpCallee implements AutoCloseable {
  /** A request as received: its method, the number of the connection it came on, its text. */
  record Seen(String method, int connection, String text) {}

  private static final String SDP = "v=0\r\no=callee 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\n"
      + "t=0 0\r\nm=audio 7000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";

  final int port;
  final Map<String, List<Seen>> requests = new ConcurrentHashMap<>();
  private final ServerSocket server;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicInteger connections = new AtomicInteger();
  private final HeaderFactoryImpl headers = new HeaderFactoryImpl();
  private final AddressFactoryImpl addresses = new AddressFactoryImpl();
  private final Thread acceptor;
  /** {@code tcp} or {@code tls}: the transport of the Contact it answers with. */
  private final String transport;
  /** How long an initial INVITE rings (180) before its 200; zero: 200 at once, no 180. */
  private final Duration ringing;

  TcpCallee() throws IOException {
    this(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), "tcp", Duration.ZERO);
  }

  /** A TLS callee presenting the certificate of {@code tls}. */
  static TcpCallee tls(SSLContext tls, Duration ringing) throws IOException {
    return new TcpCallee(tls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress()),
        "tls", ringing);
  }

  /** A TCP callee that rings for {@code ringing} before it answers. */
  static TcpCallee ringing(Duration ringing) throws IOException {
    return new TcpCallee(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()), "tcp", ringing);
  }

  private TcpCallee(ServerSocket server, String transport, Duration ringing) {
    this.server = server;
    this.transport = transport;
    this.ringing = ringing;
    port = server.getLocalPort();
    acceptor = new Thread(this::acceptLoop, "tcp-callee-accept");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        sockets.add(s);
        int id = connections.incrementAndGet();
        Thread t = new Thread(() -> serve(s, id), "tcp-callee-" + id);
        t.setDaemon(true);
        t.start();
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void serve(Socket socket, int connection) {
    byte[] buf = new byte[256 * 1024];
    int start = 0;
    int end = 0;
    try (socket; InputStream in = socket.getInputStream(); OutputStream out = socket.getOutputStream()) {
      while (true) {
        Frame f = SipFrameScanner.scan(buf, start, end - start, buf.length);
        if (f instanceof Frame.Message m) {
          handle(buf, start, m.length(), out, connection);
          start += m.length();
        } else if (f instanceof Frame.KeepAlivePing p) {
          out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
          start += p.length();
        } else if (f instanceof Frame.KeepAlivePong p) {
          start += p.length();
        } else if (f instanceof Frame.Invalid) {
          return;
        } else {
          if (start > 0) { // keep the unread bytes at the front
            System.arraycopy(buf, start, buf, 0, end - start);
            end -= start;
            start = 0;
          }
          int n = in.read(buf, end, buf.length - end);
          if (n < 0) {
            return;
          }
          end += n;
        }
      }
    } catch (IOException gone) {
      // the SBC closed the connection (or its node died): the dialogs stay
    } finally {
      sockets.remove(socket);
    }
  }

  private void handle(byte[] buf, int offset, int length, OutputStream out, int connection) throws IOException {
    if (!(SipCodec.decode(buf, offset, length) instanceof DecodeResult.Decoded d)
        || !(d.message() instanceof SIPRequest req)) {
      return; // responses to our nothing, or garbage: ignore
    }
    String method = req.getMethod();
    requests.computeIfAbsent(req.getCallId().getCallId(), k -> new CopyOnWriteArrayList<>())
        .add(new Seen(method, connection, new String(buf, offset, length, StandardCharsets.UTF_8)));
    if (method.equals("ACK")) {
      return;
    }
    try {
      if (method.equals("INVITE") && req.getToTag() == null && !ringing.isZero()) {
        SIPResponse ringing180 = req.createResponse(180, "Ringing");
        ringing180.getTo().setTag(toTag(req));
        out.write(SipCodec.encode(ringing180));
        out.flush();
        Thread.sleep(ringing.toMillis());
      }
      SIPResponse resp = req.createResponse(200, "OK");
      if (resp.getTo().getTag() == null) {
        resp.getTo().setTag(toTag(req));
      }
      if (method.equals("INVITE")) {
        resp.setHeader(headers.createContactHeader(
            addresses.createAddress("<sip:callee@127.0.0.1:" + port + ";transport=" + transport + ">")));
        resp.setContent(SDP, headers.createContentTypeHeader("application", "sdp"));
      }
      out.write(SipCodec.encode(resp));
      out.flush();
    } catch (java.text.ParseException e) {
      throw new IOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  private static String toTag(SIPRequest req) {
    return "callee" + Integer.toHexString(req.getCallId().getCallId().hashCode());
  }

  /** The first request with this method, of any call. */
  Seen first(String method) {
    return requests.values().stream().flatMap(List::stream).filter(s -> s.method().equals(method)).findFirst()
        .orElseThrow(() -> new AssertionError("the callee received no " + method + ": " + requests));
  }

  /** Calls whose requests after the first INVITE came on another connection than that INVITE. */
  long callsContinuedOnANewConnection() {
    return requests.values().stream()
        .filter(seen -> seen.stream().anyMatch(s -> s.connection() != seen.get(0).connection()))
        .count();
  }

  long count(String method) {
    return requests.values().stream().flatMap(List::stream).filter(s -> s.method().equals(method)).count();
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
