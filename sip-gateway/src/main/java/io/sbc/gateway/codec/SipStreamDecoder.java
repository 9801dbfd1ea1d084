package io.sbc.gateway.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.sbc.protocol.DecodeResult;
import io.sbc.protocol.SipCodec;
import io.sbc.protocol.SipFrameScanner;
import io.sbc.protocol.SipFrameScanner.Frame;
import java.util.List;

/**
 * Frames a SIP byte stream (TCP/TLS) into messages and decodes them, emitting one
 * {@link DecodeResult} per message. Rejected messages go downstream too, so the next handler can
 * answer 400 or count the drop.
 *
 * <p>RFC 5626 keep-alives are handled here: a double-CRLF ping is answered with a CRLF pong, a
 * lone CRLF pong is skipped. A stream that cannot be framed (no or bad Content-Length, oversized
 * message) cannot be resynchronised, so one {@code Rejected} is emitted, everything after it is
 * discarded and the channel is closed.
 *
 * <p>Emits only plain objects, never ByteBufs; the cumulation buffer is owned and released by
 * {@link ByteToMessageDecoder}. Not sharable: one instance per channel.
 */
public final class SipStreamDecoder extends ByteToMessageDecoder {

  public static final int DEFAULT_MAX_MESSAGE_SIZE = 65535;
  private static final byte[] CRLF = {'\r', '\n'};

  private final int maxMessageSize;
  private boolean failed;

  public SipStreamDecoder() {
    this(DEFAULT_MAX_MESSAGE_SIZE);
  }

  public SipStreamDecoder(int maxMessageSize) {
    if (maxMessageSize < 4) {
      throw new IllegalArgumentException("maxMessageSize must be at least 4: " + maxMessageSize);
    }
    this.maxMessageSize = maxMessageSize;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (failed) {
      in.skipBytes(in.readableBytes());
      return;
    }
    // One frame per call; ByteToMessageDecoder calls again while bytes get consumed.
    // The scanner never needs more than maxMessageSize bytes to decide, so copy no more.
    int length = Math.min(in.readableBytes(), maxMessageSize);
    byte[] array;
    int offset;
    if (in.hasArray()) {
      array = in.array();
      offset = in.arrayOffset() + in.readerIndex();
    } else {
      array = new byte[length];
      in.getBytes(in.readerIndex(), array);
      offset = 0;
    }
    Frame frame = SipFrameScanner.scan(array, offset, length, maxMessageSize);
    if (frame instanceof Frame.Message message) {
      DecodeResult result = SipCodec.decode(array, offset, message.length());
      in.skipBytes(message.length());
      out.add(result);
    } else if (frame instanceof Frame.KeepAlivePing ping) {
      in.skipBytes(ping.length());
      ctx.writeAndFlush(Unpooled.wrappedBuffer(CRLF)); // read-only use of the shared array
    } else if (frame instanceof Frame.KeepAlivePong pong) {
      in.skipBytes(pong.length());
    } else if (frame instanceof Frame.Invalid invalid) {
      failed = true;
      in.skipBytes(in.readableBytes());
      out.add(new DecodeResult.Rejected("unframeable stream: " + invalid.reason()));
      // Close after the Rejected has gone downstream: closing from inside decode would let
      // channelInactive overtake it.
      ctx.channel().eventLoop().execute(ctx::close);
    }
    // NeedMore: leave the bytes in the cumulation and wait for the next read.
  }
}
