package io.sbc.protocol;

import static io.sbc.protocol.TortureCorpus.BASE_INVITE;
import static io.sbc.protocol.TortureCorpus.SDP;
import static io.sbc.protocol.TortureCorpus.concat;
import static io.sbc.protocol.TortureCorpus.sip;
import static io.sbc.protocol.TortureCorpus.valid;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Messages modelled on RFC 4475 §3.1 (written for this project, not copied from the RFC), run
 * through {@link SipCodec#decode}. Valid ones must decode; invalid ones must be refused with a
 * reason, and with a 400 only when the request is still answerable.
 */
class TortureMessagesTest {

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.sbc.protocol.TortureCorpus#valid")
  void validMessagesDecode(String name, byte[] wire, String callId) {
    DecodeResult r = SipCodec.decode(wire);
    SIPMessage m = assertInstanceOf(DecodeResult.Decoded.class, r, () -> name + ": " + r).message();
    assertEquals(callId, m.getCallId().getCallId());
  }

  @Test
  void wsinvKeepsFoldedValuesAndBody() {
    SIPRequest m = (SIPRequest) decoded(valid().findFirst().orElseThrow().get()[1]);
    assertEquals(9, m.getCSeq().getSeqNumber());
    assertEquals(68, m.getMaxForwards().getMaxForwards());
    assertEquals(3, m.getViaHeaders().size());
    assertEquals("1918181833n", m.getTo().getTag());
    assertTrue(new String(m.getRawContent(), StandardCharsets.UTF_8).startsWith("v=0\r\n"));
  }

  /** §3.1.1.8 dblreq: bytes after Content-Length in a datagram are discarded, not parsed. */
  @Test
  void extraTrailingOctetsAreDiscarded() {
    byte[] first = sip("""
        REGISTER sip:example.com SIP/2.0
        To: sip:j.user@example.com
        From: sip:j.user@example.com;tag=43251j3j324
        Max-Forwards: 8
        I: dblreq.0ha0isndaksdj99sdfafnl3lk233412
        Contact: sip:j.user@host.example.com
        CSeq: 8 REGISTER
        Via: SIP/2.0/UDP 192.0.2.125;branch=z9hG4bKkdjuw23492
        Content-Length: 0
        """);
    byte[] second = sip("""
        INVITE sip:joe@example.com SIP/2.0
        t: sip:joe@example.com
        From: sip:caller@example.net;tag=141334
        Max-Forwards: 8
        Call-ID: dblreq.0ha0isnda977644900765@192.0.2.15
        CSeq: 8 INVITE
        Via: SIP/2.0/UDP 192.0.2.15;branch=z9hG4bKkdjuw380234
        Content-Type: application/sdp
        Content-Length: $CL
        """, SDP);
    SIPMessage m = decoded(concat(first, second));
    assertEquals("REGISTER", ((SIPRequest) m).getMethod());
    assertEquals("dblreq.0ha0isndaksdj99sdfafnl3lk233412", m.getCallId().getCallId());
    assertTrue(m.getRawContent() == null || m.getRawContent().length == 0);
  }

  @Test
  void bodyTruncatedToContentLength() {
    byte[] wire = concat(sip(BASE_INVITE.replace("$CL", "4"), ""), "v=0\r\nXXXX".getBytes(StandardCharsets.US_ASCII));
    SIPMessage m = decoded(wire);
    assertArrayEquals("v=0\r".getBytes(StandardCharsets.US_ASCII), m.getRawContent());
    assertEquals(4, m.getContentLength().getContentLength());
  }

  @Test
  void missingContentLengthTakesRestOfDatagram() {
    SIPMessage m = decoded(sip(BASE_INVITE.replace("Content-Length: $CL\n", ""), SDP));
    assertEquals(SDP.replace("\n", "\r\n"), new String(m.getRawContent(), StandardCharsets.UTF_8));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.sbc.protocol.TortureCorpus#invalid")
  void invalidMessagesAreRejected(String name, byte[] wire, boolean answered) {
    DecodeResult r = SipCodec.decode(wire);
    DecodeResult.Rejected rej = assertInstanceOf(DecodeResult.Rejected.class, r, () -> name + ": " + r);
    assertFalse(rej.reason().isBlank());
    assertEquals(answered, rej.answer().isPresent(), () -> name + ": " + rej);
    rej.answer().ifPresent(a -> assertBadRequestFor(wire, a));
  }

  /** The 400 echoes the request's Call-ID, CSeq, From, To and Vias and has a clean phrase. */
  private static void assertBadRequestFor(byte[] wire, SIPResponse answer) {
    SIPRequest lenient = lenientParse(wire);
    assertEquals(400, answer.getStatusCode());
    assertEquals(lenient.getCallId().getCallId(), answer.getCallId().getCallId());
    assertEquals(lenient.getCSeq().getSeqNumber(), answer.getCSeq().getSeqNumber());
    assertEquals(lenient.getCSeq().getMethod(), answer.getCSeq().getMethod());
    assertEquals(lenient.getFrom().getTag(), answer.getFrom().getTag());
    assertEquals(lenient.getTo().getAddress(), answer.getTo().getAddress());
    assertEquals(lenient.getViaHeaders().size(), answer.getViaHeaders().size());
    assertEquals(lenient.getTopmostVia().getBranch(), answer.getTopmostVia().getBranch());
    String phrase = answer.getReasonPhrase();
    assertTrue(phrase.startsWith("Bad Request ("), phrase);
    assertTrue(phrase.length() <= 100, phrase);
    assertTrue(phrase.chars().allMatch(c -> c >= 0x20 && c < 0x7f), phrase);
    // and the answer itself must survive our own decoder
    assertInstanceOf(DecodeResult.Decoded.class, SipCodec.decode(SipCodec.encode(answer)));
  }

  private static SIPRequest lenientParse(byte[] wire) {
    try {
      return (SIPRequest) new gov.nist.javax.sip.parser.StringMsgParser().parseSIPMessage(wire, false, false, null);
    } catch (java.text.ParseException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void badCSeqGetsNamedInReasonAndPhrase() {
    byte[] wire = sip(BASE_INVITE.replace("Max-Forwards: 70", "Max-Forwards: lots"), SDP);
    DecodeResult.Rejected r = assertInstanceOf(DecodeResult.Rejected.class, SipCodec.decode(wire));
    assertEquals("malformed Max-Forwards header", r.reason());
    SIPResponse answer = r.answer().orElseThrow();
    assertEquals("Bad Request (malformed Max-Forwards header)", answer.getReasonPhrase());
    assertEquals("a84b4c76e66710@pc33.atlanta.example.com", answer.getCallId().getCallId());
    assertEquals(314159L, answer.getCSeq().getSeqNumber());
    assertEquals("INVITE", answer.getCSeq().getMethod());
  }

  /** The RI's RAck parser throws a NumberFormatException on a non-numeric value: still a 400. */
  @Test
  void aHeaderWhoseParserThrowsIsAnsweredLikeAnyMalformedHeader() {
    byte[] wire = ("PRACK sip:bob@192.0.2.4 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKrack\r\n"
        + "Max-Forwards: 70\r\nFrom: <sip:alice@example.com>;tag=a1\r\nTo: <sip:bob@example.com>;tag=b1\r\n"
        + "Call-ID: rack@example.com\r\nCSeq: 2 PRACK\r\nRAck: one 1 INVITE\r\nContent-Length: 0\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
    DecodeResult.Rejected r = assertInstanceOf(DecodeResult.Rejected.class, SipCodec.decode(wire));
    SIPResponse answer = r.answer().orElseThrow(() -> new AssertionError("unanswered: " + r));
    assertEquals(400, answer.getStatusCode());
    assertEquals("Bad Request (malformed header)", answer.getReasonPhrase());
    assertEquals("rack@example.com", answer.getCallId().getCallId());
    assertEquals("PRACK", answer.getCSeq().getMethod());
    assertEquals("z9hG4bKrack", answer.getTopmostVia().getBranch());
    assertEquals("b1", answer.getTo().getTag());
  }

  @Test
  void cseqMismatchIsExplained() {
    DecodeResult.Rejected r = assertInstanceOf(DecodeResult.Rejected.class,
        SipCodec.decode(sip(BASE_INVITE.replace("CSeq: 314159 INVITE", "CSeq: 314159 BYE"), SDP)));
    assertTrue(r.reason().contains("CSeq method"), r.reason());
    assertEquals("BYE", r.answer().orElseThrow().getCSeq().getMethod());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("io.sbc.protocol.TortureCorpus#toleratedThoughInvalid")
  void toleratedInvalidMessagesDecode(String name, byte[] wire) {
    DecodeResult r = SipCodec.decode(wire);
    SIPMessage m = assertInstanceOf(DecodeResult.Decoded.class, r, () -> name + ": " + r).message();
    assertNotNull(m.getCallId());
  }

  // ---------------------------------------------------------------- misc

  @Test
  void roundTripKeepsMessage() {
    valid().filter(a -> !a.get()[0].toString().contains("intmeth")).forEach(a -> {
      SIPMessage first = decoded((byte[]) a.get()[1]);
      byte[] wire = SipCodec.encode(first);
      SIPMessage second = decoded(wire);
      assertEquals(first.encode(), second.encode(), (String) a.get()[0]);
      assertArrayEquals(wire, SipCodec.encode(second), (String) a.get()[0]);
    });
  }

  /**
   * Known RI quirk: CSeq is encoded with its method upper-cased, although methods are
   * case-sensitive, so an extension method with lower-case letters does not survive re-encoding
   * (our decoder then, correctly, sees a CSeq/method mismatch). Pinned so a fix is noticed.
   */
  @Test
  void riUpperCasesExtensionMethodInCSeqOnEncode() {
    SIPRequest m = (SIPRequest) decoded(valid().filter(a -> a.get()[0].toString().contains("intmeth"))
        .findFirst().orElseThrow().get()[1]);
    assertEquals("!interesting-Method0123456789_*+`.%indeed'~", m.getMethod());
    assertEquals(m.getMethod(), m.getCSeq().getMethod());
    String wire = new String(SipCodec.encode(m), StandardCharsets.UTF_8);
    assertTrue(wire.contains("CSeq: 139122385 !INTERESTING-METHOD0123456789_*+`.%INDEED'~\r\n"), wire);
    assertInstanceOf(DecodeResult.Rejected.class, SipCodec.decode(wire.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void foldedHeaderValueKeepsTheSpace() {
    SIPMessage m = decoded(valid().findFirst().orElseThrow().get()[1]);
    assertEquals("NewFangledHeader: newfangled value continued newfangled value",
        m.getHeader("NewFangledHeader").toString().trim().replaceAll(" +", " "));
  }

  @Test
  void offsetAndLengthAreHonoured() {
    byte[] msg = sip(BASE_INVITE, SDP);
    byte[] padded = concat(concat("garbage".getBytes(StandardCharsets.US_ASCII), msg), "trailing junk".getBytes(StandardCharsets.US_ASCII));
    SIPMessage m = assertInstanceOf(DecodeResult.Decoded.class, SipCodec.decode(padded, 7, msg.length)).message();
    assertEquals("a84b4c76e66710@pc33.atlanta.example.com", m.getCallId().getCallId());
    assertInstanceOf(DecodeResult.Rejected.class, SipCodec.decode(padded, 5, padded.length));
    assertInstanceOf(DecodeResult.Rejected.class, SipCodec.decode(padded, -1, 3));
    assertInstanceOf(DecodeResult.Rejected.class, SipCodec.decode(null));
  }

  /** Truncating a valid message anywhere must give a result, never an exception. */
  @Test
  void neverThrowsOnPrefixesAndBitFlips() {
    byte[] msg = sip(BASE_INVITE, SDP);
    for (int i = 0; i <= msg.length; i++) {
      assertNotNull(SipCodec.decode(msg, 0, i));
    }
    java.util.Random rnd = new java.util.Random(4475);
    for (int n = 0; n < 2000; n++) {
      byte[] copy = msg.clone();
      for (int k = 0; k < 3; k++) {
        copy[rnd.nextInt(copy.length)] = (byte) rnd.nextInt(256);
      }
      DecodeResult r = SipCodec.decode(copy);
      if (r instanceof DecodeResult.Rejected rej) {
        assertFalse(rej.reason().isBlank());
      }
    }
  }

  static SIPMessage decoded(Object wire) {
    DecodeResult r = SipCodec.decode((byte[]) wire);
    return assertInstanceOf(DecodeResult.Decoded.class, r, r::toString).message();
  }

}
