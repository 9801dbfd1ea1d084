package io.sbc.gateway;

import io.sbc.protocol.SipFrameScanner;
import io.sbc.protocol.SipFrameScanner.Frame;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * A SIP peer listening on a real TCP (or TLS) socket: queues every message it reads with the
 * number of the connection it came on, and counts the connections it accepted.
 */
final class StreamPeer implements AutoCloseable {
  record Message(String text, int connection) {}

  final int port;
  final BlockingQueue<Message> messages = new LinkedBlockingQueue<>();
  final AtomicInteger accepted = new AtomicInteger();
  private final ServerSocket server;
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

  /** Plain TCP on a free port ({@code port} 0) or the given one. */
  StreamPeer(int port) throws IOException {
    this(new ServerSocket(port, 50, InetAddress.getLoopbackAddress()));
  }

  /** TLS with {@code tls}; {@code needClientAuth} asks the gateway for its certificate. */
  StreamPeer(SSLContext tls, boolean needClientAuth) throws IOException {
    this(tlsServer(tls, needClientAuth));
  }

  private static ServerSocket tlsServer(SSLContext tls, boolean needClientAuth) throws IOException {
    javax.net.ssl.SSLServerSocket s = (javax.net.ssl.SSLServerSocket)
        tls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
    s.setNeedClientAuth(needClientAuth);
    return s;
  }

  private StreamPeer(ServerSocket server) {
    this.server = server;
    this.port = server.getLocalPort();
    Thread acceptor = new Thread(this::acceptLoop, "stream-peer-" + port);
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        sockets.add(s);
        int id = accepted.incrementAndGet();
        Thread t = new Thread(() -> read(s, id), "stream-peer-conn-" + id);
        t.setDaemon(true);
        t.start();
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void read(Socket socket, int connection) {
    byte[] buf = new byte[128 * 1024];
    int end = 0;
    try (socket; InputStream in = socket.getInputStream()) {
      while (true) {
        Frame f = SipFrameScanner.scan(buf, 0, end, buf.length);
        if (f instanceof Frame.Message m) {
          messages.add(new Message(new String(buf, 0, m.length(), StandardCharsets.UTF_8), connection));
          System.arraycopy(buf, m.length(), buf, 0, end - m.length());
          end -= m.length();
          continue;
        }
        if (f instanceof Frame.Invalid) {
          return;
        }
        int n = in.read(buf, end, buf.length - end);
        if (n < 0) {
          return;
        }
        end += n;
      }
    } catch (IOException gone) {
      // closed by the gateway, or a failed handshake
    } finally {
      sockets.remove(socket);
    }
  }

  Message next() throws InterruptedException {
    Message m = messages.poll(5, TimeUnit.SECONDS);
    if (m == null) {
      throw new AssertionError("the peer on " + port + " received nothing");
    }
    return m;
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
