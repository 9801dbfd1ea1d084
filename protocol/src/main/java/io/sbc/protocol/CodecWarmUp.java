package io.sbc.protocol;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Runs the codec over the messages of a call (INVITE with SDP to BYE, a session refresh) until
 * the JIT has compiled it, before a node says it is ready: a cold parser is several times slower,
 * and a node that joins under load would otherwise answer its first calls late enough for the
 * callers to retransmit and give up.
 */
public final class CodecWarmUp {
  private CodecWarmUp() {}

  /** What a warm-up did: messages decoded and encoded again, and how long it took. */
  public record Result(long messages, long millis) {}

  private static final String SDP = "v=0\r\no=warm 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
      + "m=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
      + "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n";

  private static final String DIALOG = "From: \"Warm\" <sip:warm@192.0.2.10>;tag=w1\r\n"
      + "To: <sip:callee@192.0.2.20>;tag=w2\r\nCall-ID: warm-up-1@192.0.2.10\r\n";

  private static final List<byte[]> MESSAGES = List.of(
      bytes("INVITE sip:callee@192.0.2.20 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKw1;rport\r\n"
          + "Max-Forwards: 70\r\nFrom: \"Warm\" <sip:warm@192.0.2.10>;tag=w1\r\nTo: <sip:callee@192.0.2.20>\r\n"
          + "Call-ID: warm-up-1@192.0.2.10\r\nCSeq: 1 INVITE\r\nContact: <sip:warm@192.0.2.10:5060>\r\n"
          + "Allow: INVITE, ACK, CANCEL, BYE, OPTIONS, UPDATE\r\nSupported: timer\r\nSession-Expires: 1800\r\n"
          + "Min-SE: 90\r\nP-Asserted-Identity: <sip:+442079460000@192.0.2.10>\r\n"
          + "Content-Type: application/sdp\r\nContent-Length: " + SDP.length() + "\r\n\r\n" + SDP),
      bytes("SIP/2.0 100 Trying\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKw1;rport=5060\r\n"
          + DIALOG.replace(";tag=w2", "") + "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"),
      bytes("SIP/2.0 180 Ringing\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKw1;rport=5060\r\n"
          + DIALOG + "CSeq: 1 INVITE\r\nContact: <sip:callee@192.0.2.20:5060>\r\nContent-Length: 0\r\n\r\n"),
      bytes("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKw1;rport=5060\r\n"
          + DIALOG + "CSeq: 1 INVITE\r\nContact: <sip:callee@192.0.2.20:5060>\r\nRecord-Route: <sip:192.0.2.30;lr>\r\n"
          + "Require: timer\r\nSession-Expires: 1800;refresher=uac\r\n"
          + "Content-Type: application/sdp\r\nContent-Length: " + SDP.length() + "\r\n\r\n" + SDP),
      bytes("ACK sip:callee@192.0.2.20:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKw2\r\n"
          + "Max-Forwards: 70\r\nRoute: <sip:192.0.2.30;lr>\r\n" + DIALOG + "CSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n"),
      bytes("UPDATE sip:callee@192.0.2.20:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKw3\r\n"
          + "Max-Forwards: 70\r\n" + DIALOG + "CSeq: 2 UPDATE\r\nSession-Expires: 1800;refresher=uac\r\n"
          + "Content-Length: 0\r\n\r\n"),
      bytes("BYE sip:callee@192.0.2.20:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKw4\r\n"
          + "Max-Forwards: 70\r\n" + DIALOG + "CSeq: 3 BYE\r\nReason: Q.850;cause=16\r\nContent-Length: 0\r\n\r\n"),
      bytes("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bKw4\r\n"
          + DIALOG + "CSeq: 3 BYE\r\nContent-Length: 0\r\n\r\n"));

  private static byte[] bytes(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Decodes and encodes the call's messages {@code rounds} times, or until {@code maxMillis} have
   * passed (a node started on a busy machine must not spend long here); fails if one does not
   * parse (the samples are part of the code, so that is a bug, not bad input).
   */
  public static Result run(int rounds, long maxMillis) {
    long start = System.nanoTime();
    long deadline = start + maxMillis * 1_000_000;
    long count = 0;
    for (int r = 0; r < rounds && System.nanoTime() < deadline; r++) {
      for (byte[] m : MESSAGES) {
        DecodeResult decoded = SipCodec.decode(m);
        if (!(decoded instanceof DecodeResult.Decoded d)) {
          throw new IllegalStateException("warm-up message does not parse: " + decoded);
        }
        SipCodec.encode(d.message());
        count++;
      }
    }
    return new Result(count, (System.nanoTime() - start) / 1_000_000);
  }
}
