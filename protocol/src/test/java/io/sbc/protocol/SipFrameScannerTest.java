package io.sbc.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sbc.protocol.SipFrameScanner.Frame;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SipFrameScannerTest {

  private static final int MAX = 65535;

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static final String SDP = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
      + "m=audio 4000 RTP/AVP 0\r\n";

  static byte[] invite(String callId, String clHeader) {
    return ascii("INVITE sip:bob@example.com SIP/2.0\r\n"
        + "Via: SIP/2.0/TCP pc.example.com;branch=z9hG4bK-" + callId + "\r\n"
        + "Max-Forwards: 70\r\n"
        + "From: <sip:alice@example.com>;tag=1\r\n"
        + "To: <sip:bob@example.com>\r\n"
        + "Call-ID: " + callId + "\r\n"
        + "CSeq: 1 INVITE\r\n"
        + "Content-Type: application/sdp\r\n"
        + clHeader.replace("#", Integer.toString(SDP.length())) + "\r\n"
        + "\r\n" + SDP);
  }

  static byte[] options(String callId) {
    return ascii("OPTIONS sip:bob@example.com SIP/2.0\r\n"
        + "Via: SIP/2.0/TCP pc.example.com;branch=z9hG4bK-" + callId + "\r\n"
        + "From: <sip:alice@example.com>;tag=1\r\n"
        + "To: <sip:bob@example.com>\r\n"
        + "Call-ID: " + callId + "\r\n"
        + "CSeq: 2 OPTIONS\r\n"
        + "Content-Length: 0\r\n\r\n");
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** Repeatedly scans and consumes like a decoder would; returns the frames seen. */
  static List<Frame> drain(byte[] buf) {
    List<Frame> frames = new ArrayList<>();
    int pos = 0;
    while (true) {
      Frame f = SipFrameScanner.scan(buf, pos, buf.length - pos, MAX);
      frames.add(f);
      if (f instanceof Frame.Message m) {
        pos += m.length();
      } else if (f instanceof Frame.KeepAlivePing p) {
        pos += p.length();
      } else if (f instanceof Frame.KeepAlivePong p) {
        pos += p.length();
      } else {
        return frames; // NeedMore or Invalid
      }
    }
  }

  @Test
  void severalMessagesInOneBuffer() {
    byte[] a = invite("a", "Content-Length: #");
    byte[] b = options("b");
    byte[] c = invite("c", "l: #");
    List<Frame> frames = drain(concat(a, b, c));
    assertEquals(List.of(new Frame.Message(a.length), new Frame.Message(b.length),
        new Frame.Message(c.length), new Frame.NeedMore()), frames);
  }

  @Test
  void bodyLengthComesFromContentLength() {
    byte[] a = invite("a", "Content-Length: #");
    int headerLen = new String(a, StandardCharsets.US_ASCII).indexOf("\r\n\r\n") + 4;
    assertEquals(headerLen + SDP.length(), a.length);
    assertEquals(new Frame.Message(a.length), SipFrameScanner.scan(a, 0, a.length, MAX));
    // a body one byte short is incomplete; trailing bytes belong to the next message
    assertEquals(new Frame.NeedMore(), SipFrameScanner.scan(a, 0, a.length - 1, MAX));
    assertEquals(new Frame.NeedMore(), SipFrameScanner.scan(a, 0, headerLen, MAX));
    byte[] more = concat(a, ascii("XYZ"));
    assertEquals(new Frame.Message(a.length), SipFrameScanner.scan(more, 0, more.length, MAX));
  }

  @Test
  void everyPrefixNeedsMoreUntilComplete() {
    byte[] all = concat(invite("a", "Content-Length: #"), options("b"), invite("c", "l: #"));
    int first = invite("a", "Content-Length: #").length;
    for (int i = 0; i < first; i++) {
      assertEquals(new Frame.NeedMore(), SipFrameScanner.scan(all, 0, i, MAX), "prefix " + i);
    }
    for (int i = first; i <= all.length; i++) {
      assertEquals(new Frame.Message(first), SipFrameScanner.scan(all, 0, i, MAX), "prefix " + i);
    }
    // the same at a non-zero offset inside a larger array
    int second = options("b").length;
    for (int i = 0; i < second; i++) {
      assertEquals(new Frame.NeedMore(), SipFrameScanner.scan(all, first, i, MAX), "prefix " + i);
    }
    assertEquals(new Frame.Message(second), SipFrameScanner.scan(all, first, second, MAX));
  }

  @Test
  void contentLengthSpellings() {
    for (String h : List.of("Content-Length: #", "content-length:#", "CONTENT-LENGTH   :   #  ",
        "l: #", "L:#", "l\t:\t#")) {
      byte[] m = invite("x", h);
      assertEquals(new Frame.Message(m.length), SipFrameScanner.scan(m, 0, m.length, MAX), h);
    }
    // a header that merely starts with "l" is not Content-Length
    byte[] m = invite("x", "Location-Hint: 5");
    assertInstanceOf(Frame.Invalid.class, SipFrameScanner.scan(m, 0, m.length, MAX));
  }

  @Test
  void bareLfLineEndsAreTolerated() {
    byte[] m = ascii("OPTIONS sip:b@example.com SIP/2.0\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\n"
        + "Content-Length: 3\n\nabc");
    assertEquals(new Frame.Message(m.length), SipFrameScanner.scan(m, 0, m.length, MAX));
  }

  @Test
  void missingOrBadContentLengthIsInvalid() {
    byte[] none = ascii("OPTIONS sip:b@example.com SIP/2.0\r\nVia: SIP/2.0/TCP h\r\nCall-ID: x\r\n\r\n");
    Frame f = SipFrameScanner.scan(none, 0, none.length, MAX);
    assertTrue(((Frame.Invalid) f).reason().contains("Content-Length"), f.toString());
    for (String bad : List.of("Content-Length: -1", "Content-Length: 1x", "Content-Length:",
        "Content-Length: 99999999999999999999", "l: 0x10")) {
      byte[] m = invite("x", bad);
      assertInstanceOf(Frame.Invalid.class, SipFrameScanner.scan(m, 0, m.length, MAX), bad);
    }
    byte[] twice = invite("x", "Content-Length: #\r\nl: 3");
    assertInstanceOf(Frame.Invalid.class, SipFrameScanner.scan(twice, 0, twice.length, MAX));
  }

  @Test
  void tooLargeIsInvalid() {
    byte[] m = invite("x", "Content-Length: #");
    // body pushes the message over the limit: known as soon as the headers are in
    Frame f = SipFrameScanner.scan(m, 0, m.length - SDP.length(), m.length - 1);
    assertInstanceOf(Frame.Invalid.class, f);
    assertEquals(new Frame.Message(m.length), SipFrameScanner.scan(m, 0, m.length, m.length));
    // header section never ends within the limit
    byte[] endless = ascii("INVITE sip:b@example.com SIP/2.0\r\n" + "X-Pad: 0123456789\r\n".repeat(100));
    assertEquals(new Frame.NeedMore(), SipFrameScanner.scan(endless, 0, 200, 1000));
    assertInstanceOf(Frame.Invalid.class, SipFrameScanner.scan(endless, 0, endless.length, 1000));
    byte[] huge = invite("x", "Content-Length: 4000000000");
    assertInstanceOf(Frame.Invalid.class, SipFrameScanner.scan(huge, 0, huge.length, MAX));
  }

  @Test
  void keepAlives() {
    byte[] ping = ascii("\r\n\r\n");
    assertEquals(new Frame.KeepAlivePing(4), SipFrameScanner.scan(ping, 0, 4, MAX));
    // a ping is not mistaken for a message or for two pongs while it is still arriving
    assertEquals(new Frame.NeedMore(), SipFrameScanner.scan(ping, 0, 1, MAX));
    assertEquals(new Frame.NeedMore(), SipFrameScanner.scan(ping, 0, 2, MAX));
    assertEquals(new Frame.NeedMore(), SipFrameScanner.scan(ping, 0, 3, MAX));

    byte[] b = options("b");
    byte[] pongThenMsg = concat(ascii("\r\n"), b);
    assertEquals(List.of(new Frame.KeepAlivePong(2), new Frame.Message(b.length), new Frame.NeedMore()),
        drain(pongThenMsg));

    byte[] mixed = concat(b, ascii("\r\n\r\n"), b, ascii("\r\n\r\n\r\n"), b);
    assertEquals(List.of(new Frame.Message(b.length), new Frame.KeepAlivePing(4),
        new Frame.Message(b.length), new Frame.KeepAlivePing(4), new Frame.KeepAlivePong(2),
        new Frame.Message(b.length), new Frame.NeedMore()), drain(mixed));

    assertInstanceOf(Frame.Invalid.class, SipFrameScanner.scan(ascii("\rX"), 0, 2, MAX));
  }

  @Test
  void neverThrows() {
    assertInstanceOf(Frame.Invalid.class, SipFrameScanner.scan(null, 0, 0, MAX));
    assertInstanceOf(Frame.Invalid.class, SipFrameScanner.scan(new byte[3], 2, 5, MAX));
    assertInstanceOf(Frame.Invalid.class, SipFrameScanner.scan(new byte[3], -1, 1, MAX));
    assertEquals(new Frame.NeedMore(), SipFrameScanner.scan(new byte[0], 0, 0, MAX));
    Random rnd = new Random(5626);
    byte[] base = concat(invite("a", "l: #"), ascii("\r\n\r\n"), options("b"));
    for (int n = 0; n < 5000; n++) {
      byte[] copy = base.clone();
      for (int k = 0; k < 4; k++) {
        copy[rnd.nextInt(copy.length)] = (byte) "\r\n:l0 9x".charAt(rnd.nextInt(8));
      }
      assertNotNull(drain(copy));
      assertNotNull(SipFrameScanner.scan(copy, 0, copy.length, rnd.nextInt(600)));
    }
  }

  /** Framed messages decode with SipCodec to the same message. */
  @Test
  void framesDecode() {
    byte[] all = concat(invite("a", "Content-Length: #"), options("b"));
    int pos = 0;
    List<String> ids = new ArrayList<>();
    for (Frame f : drain(all)) {
      if (f instanceof Frame.Message m) {
        DecodeResult r = SipCodec.decode(all, pos, m.length());
        ids.add(assertInstanceOf(DecodeResult.Decoded.class, r, r::toString).message().getCallId().getCallId());
        pos += m.length();
      }
    }
    assertEquals(List.of("a", "b"), ids);
  }
}
