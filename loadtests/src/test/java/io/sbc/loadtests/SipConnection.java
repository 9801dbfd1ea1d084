package io.sbc.loadtests;

import gov.nist.javax.sip.message.SIPMessage;
import io.sbc.protocol.DecodeResult;
import io.sbc.protocol.SipCodec;
import io.sbc.protocol.SipFrameScanner;
import io.sbc.protocol.SipFrameScanner.Frame;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** A SIP peer's end of one TCP or TLS connection: writes messages, reads them framed and parsed. */
final class SipConnection implements AutoCloseable {
  final Socket socket;
  private final byte[] buf = new byte[256 * 1024];
  private int end;

  SipConnection(Socket socket) {
    this.socket = socket;
  }

  void send(String message) throws IOException {
    socket.getOutputStream().write(message.getBytes(StandardCharsets.UTF_8));
    socket.getOutputStream().flush();
  }

  /** The next SIP message within {@code within}; fails when none comes or the connection ends. */
  SIPMessage next(Duration within) throws IOException {
    socket.setSoTimeout((int) within.toMillis());
    InputStream in = socket.getInputStream();
    while (true) {
      Frame f = SipFrameScanner.scan(buf, 0, end, buf.length);
      if (f instanceof Frame.Message m) {
        DecodeResult r = SipCodec.decode(buf, 0, m.length());
        System.arraycopy(buf, m.length(), buf, 0, end - m.length());
        end -= m.length();
        if (r instanceof DecodeResult.Decoded d) {
          return d.message();
        }
        throw new AssertionError("undecodable message: " + r);
      }
      if (f instanceof Frame.KeepAlivePing || f instanceof Frame.KeepAlivePong) {
        int skip = f instanceof Frame.KeepAlivePing p ? p.length() : ((Frame.KeepAlivePong) f).length();
        System.arraycopy(buf, skip, buf, 0, end - skip);
        end -= skip;
        continue;
      }
      if (f instanceof Frame.Invalid invalid) {
        throw new AssertionError("unframeable stream: " + invalid);
      }
      int n;
      try {
        n = in.read(buf, end, buf.length - end);
      } catch (SocketTimeoutException e) {
        throw new AssertionError("no SIP message within " + within, e);
      }
      if (n < 0) {
        throw new AssertionError("the connection closed");
      }
      end += n;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
