package io.sbc.gateway.codec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gov.nist.javax.sip.message.SIPMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import io.sbc.protocol.DecodeResult;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(NettyLeakDetectorExtension.class)
class SipStreamDecoderTest {

  private static final String SDP = "v=0\r\no=alice 2890844526 2890844526 IN IP4 192.0.2.10\r\n"
      + "s=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\nm=audio 49170 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";

  private static final String INVITE = "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
      + "Via: SIP/2.0/TCP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
      + "Max-Forwards: 70\r\n"
      + "To: Bob <sip:bob@biloxi.example.com>\r\n"
      + "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
      + "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
      + "CSeq: 314159 INVITE\r\n"
      + "Contact: <sip:alice@pc33.atlanta.example.com;transport=tcp>\r\n"
      + "Content-Type: application/sdp\r\n"
      + "Content-Length: " + SDP.length() + "\r\n\r\n" + SDP;

  private static final String OPTIONS = "OPTIONS sip:biloxi.example.com SIP/2.0\r\n"
      + "Via: SIP/2.0/TCP pc33.atlanta.example.com;branch=z9hG4bKopt1\r\n"
      + "Max-Forwards: 70\r\n"
      + "To: <sip:biloxi.example.com>\r\n"
      + "From: <sip:alice@atlanta.example.com>;tag=99\r\n"
      + "Call-ID: options-1@pc33.atlanta.example.com\r\n"
      + "CSeq: 7 OPTIONS\r\n"
      + "l: 0\r\n\r\n";

  private static final String RINGING = "SIP/2.0 180 Ringing\r\n"
      + "Via: SIP/2.0/TCP pc33.atlanta.example.com;branch=z9hG4bK776asdhds\r\n"
      + "To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf\r\n"
      + "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
      + "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
      + "CSeq: 314159 INVITE\r\n"
      + "Content-Length: 0\r\n\r\n";

  private static final byte[] STREAM = bytes(INVITE + OPTIONS + RINGING);
  private static final List<String> EXPECTED = List.of(
      canonical(INVITE), canonical(OPTIONS), canonical(RINGING));

  private final List<EmbeddedChannel> channels = new ArrayList<>();

  @AfterEach
  void closeChannels() {
    for (EmbeddedChannel ch : channels) {
      ch.finishAndReleaseAll();
    }
  }

  private EmbeddedChannel channel(int max) {
    EmbeddedChannel ch = new EmbeddedChannel(new SipStreamDecoder(max));
    channels.add(ch);
    return ch;
  }

  private EmbeddedChannel channel() {
    return channel(SipStreamDecoder.DEFAULT_MAX_MESSAGE_SIZE);
  }

  @Test
  void allInOneBuffer() {
    EmbeddedChannel ch = channel();
    ch.writeInbound(pooled(STREAM, 0, STREAM.length));
    assertEquals(EXPECTED, drainDecoded(ch));
  }

  @Test
  void splitAtEveryByteBoundary() {
    for (int i = 0; i <= STREAM.length; i++) {
      EmbeddedChannel ch = new EmbeddedChannel(new SipStreamDecoder());
      ch.writeInbound(pooled(STREAM, 0, i));
      List<String> got = new ArrayList<>(drainDecoded(ch));
      ch.writeInbound(pooled(STREAM, i, STREAM.length - i));
      got.addAll(drainDecoded(ch));
      assertEquals(EXPECTED, got, "split at " + i);
      assertTrue(ch.isOpen());
      assertFalse(ch.finishAndReleaseAll(), "nothing left over at split " + i);
    }
  }

  @Test
  void oneByteAtATime() {
    EmbeddedChannel ch = channel();
    List<String> got = new ArrayList<>();
    for (int i = 0; i < STREAM.length; i++) {
      ch.writeInbound(pooled(STREAM, i, 1));
      got.addAll(drainDecoded(ch));
    }
    assertEquals(EXPECTED, got);
  }

  @Test
  void directBuffersToo() {
    EmbeddedChannel ch = channel();
    ByteBuf direct = PooledByteBufAllocator.DEFAULT.directBuffer(STREAM.length).writeBytes(STREAM);
    assertFalse(direct.hasArray());
    ch.writeInbound(direct);
    assertEquals(EXPECTED, drainDecoded(ch));
  }

  @Test
  void bodyIsDeliveredIntact() {
    EmbeddedChannel ch = channel();
    ch.writeInbound(pooled(STREAM, 0, STREAM.length));
    SIPMessage invite = ((DecodeResult.Decoded) ch.readInbound()).message();
    assertEquals(SDP, new String(invite.getRawContent(), StandardCharsets.US_ASCII));
  }

  @Test
  void pingIsAnsweredWithPongAndPongsAreSkipped() {
    EmbeddedChannel ch = channel();
    byte[] stream = bytes("\r\n\r\n" + OPTIONS + "\r\n" + OPTIONS + "\r\n\r\n");
    // split the pings across reads: they must still be seen as pings
    for (byte b : stream) {
      ch.writeInbound(pooled(new byte[] {b}, 0, 1));
    }
    assertEquals(List.of(canonical(OPTIONS), canonical(OPTIONS)), drainDecoded(ch));
    assertEquals(List.of("\r\n", "\r\n"), drainOutbound(ch));
    assertTrue(ch.isOpen());
  }

  @Test
  void rejectedMessageGoesDownstreamAndStreamContinues() {
    EmbeddedChannel ch = channel();
    String bad = OPTIONS.replace("CSeq: 7 OPTIONS", "CSeq: 7 INVITE");
    ch.writeInbound(pooled(bytes(bad + OPTIONS), 0, bad.length() + OPTIONS.length()));
    DecodeResult.Rejected rejected = assertInstanceOf(DecodeResult.Rejected.class, ch.readInbound());
    assertTrue(rejected.answer().isPresent());
    assertInstanceOf(DecodeResult.Decoded.class, ch.readInbound());
    assertTrue(ch.isOpen());
  }

  @Test
  void missingContentLengthClosesTheChannel() {
    EmbeddedChannel ch = channel();
    String noLength = OPTIONS.replace("l: 0\r\n", "");
    ch.writeInbound(pooled(bytes(OPTIONS + noLength + OPTIONS), 0, 2 * OPTIONS.length() + noLength.length()));
    ch.runPendingTasks();
    assertInstanceOf(DecodeResult.Decoded.class, ch.readInbound());
    DecodeResult.Rejected rejected = assertInstanceOf(DecodeResult.Rejected.class, ch.readInbound());
    assertTrue(rejected.reason().contains("Content-Length"), rejected.reason());
    assertTrue(rejected.answer().isEmpty());
    assertNull(ch.readInbound(), "nothing after the unframeable point");
    assertFalse(ch.isOpen());
  }

  @Test
  void oversizedMessageClosesTheChannel() {
    EmbeddedChannel ch = channel(200);
    ch.pipeline().fireChannelRead(pooled(STREAM, 0, STREAM.length));
    // bytes arriving before the close takes effect are swallowed (and released)
    ch.pipeline().fireChannelRead(pooled(STREAM, 0, STREAM.length));
    ch.runPendingTasks();
    assertInstanceOf(DecodeResult.Rejected.class, ch.readInbound());
    assertNull(ch.readInbound());
    assertFalse(ch.isOpen());
  }

  @Test
  void garbageBeforeHeadersEndIsBoundedByMaxSize() {
    EmbeddedChannel ch = channel(1024);
    byte[] junk = bytes("X".repeat(2000));
    ch.writeInbound(pooled(junk, 0, junk.length));
    ch.runPendingTasks();
    assertInstanceOf(DecodeResult.Rejected.class, ch.readInbound());
    assertFalse(ch.isOpen());
  }

  // ------------------------------------------------------------------ helpers

  private static ByteBuf pooled(byte[] src, int from, int len) {
    return PooledByteBufAllocator.DEFAULT.heapBuffer(Math.max(len, 1)).writeBytes(src, from, len);
  }

  private static List<String> drainDecoded(EmbeddedChannel ch) {
    List<String> out = new ArrayList<>();
    for (Object o; (o = ch.readInbound()) != null; ) {
      DecodeResult r = (DecodeResult) o;
      out.add(assertInstanceOf(DecodeResult.Decoded.class, r, r::toString).message().encode());
    }
    return out;
  }

  private static List<String> drainOutbound(EmbeddedChannel ch) {
    List<String> out = new ArrayList<>();
    for (Object o; (o = ch.readOutbound()) != null; ) {
      ByteBuf buf = (ByteBuf) o;
      try {
        out.add(buf.toString(StandardCharsets.US_ASCII));
      } finally {
        ReferenceCountUtil.release(buf);
      }
    }
    return out;
  }

  /** What a message looks like after a standalone decode: the reference for comparisons. */
  private static String canonical(String wire) {
    DecodeResult r = io.sbc.protocol.SipCodec.decode(bytes(wire));
    return ((DecodeResult.Decoded) r).message().encode();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
