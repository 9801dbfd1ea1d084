package io.sbc.protocol.sdp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SessionBodyTest {
  static final String SDP = "v=0\r\no=a 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n";
  /** An ISUP IAM's first bytes: binary, with CR, LF, NUL and bytes above 0x7f. */
  static final byte[] ISUP = {0x01, 0x00, 0x0d, 0x0a, (byte) 0x90, (byte) 0xff, 0x2d, 0x2d, 0x0a, 0x03};

  /** SIP-I as carriers send it (RFC 3204): SDP first, then the ISUP part with its own headers. */
  static byte[] sipI(String boundary, String eol) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(("--" + boundary + eol + "Content-Type: application/sdp" + eol + eol + SDP + eol
        + "--" + boundary + eol + "Content-Type: application/isup;version=itu-t92+" + eol
        + "Content-Disposition: signal;handling=optional" + eol + eol).getBytes(StandardCharsets.ISO_8859_1));
    out.writeBytes(ISUP);
    out.writeBytes((eol + "--" + boundary + "--" + eol).getBytes(StandardCharsets.ISO_8859_1));
    return out.toByteArray();
  }

  @Test
  void plainSdpIsTheBody() {
    assertEquals(SDP, SessionBody.sdp("application/sdp", SDP.getBytes(StandardCharsets.UTF_8)));
    assertEquals(SDP, SessionBody.sdp("Application/SDP ; charset=utf-8", SDP.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void otherBodiesCarryNoSdp() {
    assertEquals("", SessionBody.sdp("application/isup", ISUP));
    assertEquals("", SessionBody.sdp("text/plain", "v=0\r\n".getBytes(StandardCharsets.UTF_8)));
    assertEquals("", SessionBody.sdp(null, SDP.getBytes(StandardCharsets.UTF_8)));
    assertEquals("", SessionBody.sdp("application/sdp", null));
  }

  @Test
  void theSdpPartOfASipIBody() {
    assertEquals(SDP, SessionBody.sdp("multipart/mixed;boundary=unique-boundary-1", sipI("unique-boundary-1", "\r\n")));
    assertEquals(SDP, SessionBody.sdp("multipart/mixed; boundary=\"b 2\"", sipI("b 2", "\r\n")));
    assertEquals(SDP, SessionBody.sdp("multipart/mixed;boundary=lf", sipI("lf", "\n")), "LF line ends tolerated");
  }

  @Test
  void aPartWithoutContentTypeIsTextAndTheSdpMayComeSecond() {
    String body = "preamble\r\n--x\r\n\r\nhello\r\n--x\r\nContent-Type: application/sdp\r\n\r\n" + SDP + "\r\n--x--\r\n";
    assertEquals(SDP, SessionBody.sdp("multipart/mixed;boundary=x", body.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void nestedMultipartAlternative() {
    String inner = "--in\r\nContent-Type: application/sdp\r\n\r\n" + SDP + "\r\n--in--\r\n";
    String body = "--out\r\nContent-Type: multipart/alternative;boundary=in\r\n\r\n" + inner + "\r\n--out--";
    assertEquals(SDP, SessionBody.sdp("multipart/mixed;boundary=out", body.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void malformedMultipartBodiesHaveNoSdp() {
    byte[] body = sipI("b1", "\r\n");
    assertEquals("", SessionBody.sdp("multipart/mixed", body), "no boundary");
    assertEquals("", SessionBody.sdp("multipart/mixed;boundary=", body), "empty boundary");
    assertEquals("", SessionBody.sdp("multipart/mixed;boundary=other", body), "boundary not in the body");
    assertEquals("", SessionBody.sdp("multipart/mixed;boundary=b1",
        ("--b1\r\nContent-Type: application/sdp\r\n\r\n" + SDP).getBytes(StandardCharsets.UTF_8)), "part never closed");
    assertEquals("", SessionBody.sdp("multipart/mixed;boundary=b1", "--b1--".getBytes(StandardCharsets.UTF_8)));
    assertEquals("", SessionBody.sdp("multipart/mixed;boundary=b1", new byte[] {'-', '-', 'b', '1'}));
  }

  @Test
  void replacingTheSdpKeepsTheIsupPartByteForByte() {
    byte[] body = sipI("b1", "\r\n");
    String other = SDP.replace("4000", "5000");
    byte[] replaced = SessionBody.withSdp("multipart/mixed;boundary=b1", body, other).orElseThrow();
    assertEquals(other, SessionBody.sdp("multipart/mixed;boundary=b1", replaced));
    byte[] expected = new String(body, StandardCharsets.ISO_8859_1).replace("m=audio 4000", "m=audio 5000")
        .getBytes(StandardCharsets.ISO_8859_1);
    assertArrayEquals(expected, replaced);
    assertTrue(SessionBody.multipart("Multipart/Mixed;boundary=b1"));
  }

  @Test
  void nothingToReplaceOutsideAMultipartWithSdp() {
    assertFalse(SessionBody.withSdp("application/sdp", SDP.getBytes(StandardCharsets.UTF_8), SDP).isPresent());
    assertFalse(SessionBody.withSdp("multipart/mixed", sipI("b1", "\r\n"), SDP).isPresent());
  }
}
