package io.sbc.gateway;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.ssl.NotSslRecordException;
import io.sbc.protocol.DecodeResult;
import io.sbc.protocol.SipCodec;
import io.sbc.protocol.Transport;
import java.net.InetSocketAddress;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the gateway does with what it reads, on every transport: keep-alives, the 400 for
 * undecodable requests, {@code received}/{@code rport} in the top Via, the stateless 503 under
 * overload or drain, and the hand-over of every other message with its {@link Flow} to the sink.
 */
final class Inbound {
  private static final Logger log = LoggerFactory.getLogger(SipGateway.class);

  private final GatewayAddress address;
  private final InboundSink sink;
  private final GatewayStats stats;
  private final AdmissionControl admission;
  private final DecodeLanes lanes;
  private final WriteOutcome outcome;
  /** The gateway actor flows name for replies (set once the sockets start). */
  private final Supplier<ActorRef<GatewayCommand>> self;

  Inbound(GatewayAddress address, InboundSink sink, GatewayStats stats, AdmissionControl admission,
      DecodeLanes lanes, WriteOutcome outcome, Supplier<ActorRef<GatewayCommand>> self) {
    this.address = address;
    this.sink = sink;
    this.stats = stats;
    this.admission = admission;
    this.lanes = lanes;
    this.outcome = outcome;
    this.self = self;
  }

  /**
   * The UDP handler; {@code maxMessageBytes} is the largest message taken, the socket reads one
   * byte more so that a larger datagram shows as such instead of as a truncated message.
   */
  ChannelHandler datagrams(int maxMessageBytes) {
    return new UdpHandler(maxMessageBytes);
  }

  ChannelHandler stream(Transport transport, String connectionId) {
    return new StreamHandler(transport, connectionId);
  }

  /**
   * Common handling of one decoded datagram or stream frame; {@code reply} writes an answer back
   * where it came from (same socket or connection).
   */
  private void onDecoded(DecodeResult result, Flow flow, long receivedAt, Function<byte[], ChannelFuture> reply) {
    stats.received.increment();
    if (result instanceof DecodeResult.Rejected rejected) {
      stats.traffic.parseError(flow.transport());
      if (rejected.answer().isPresent()) {
        stats.badRequestsAnswered.increment();
        log.info("answering 400 to {}: {}", flow, rejected.reason());
        answer(reply, flow, SipCodec.encode(rejected.answer().get()));
      } else {
        stats.dropped.increment();
        log.info("dropping undecodable message from {}: {}", flow, rejected.reason());
      }
      return;
    }
    SIPMessage message = ((DecodeResult.Decoded) result).message();
    stats.traffic.message(SipTraffic.Direction.IN, flow.transport(), MessageLabels.of(message));
    if (message instanceof SIPRequest request) {
      try {
        Vias.stampReceived(request, flow.remoteHost(), flow.remotePort());
      } catch (Exception e) {
        SIPResponse bad = request.createResponse(400, "Bad Request (unusable Via)");
        stats.badRequestsAnswered.increment();
        answer(reply, flow, SipCodec.encode(bad));
        return;
      }
      if (answeredStatelessly(request, flow, reply)) {
        return;
      }
    }
    try {
      sink.accept(message, flow, receivedAt);
    } catch (RuntimeException e) {
      // The sink must not break the pipeline: count the message as dropped and go on.
      stats.dropped.increment();
      log.error("could not hand over message from {}", flow, e);
    }
  }

  /**
   * Overload or drain: a new INVITE while {@link AdmissionControl} refuses new calls gets 503 +
   * Retry-After here, without creating a call. Its ACK carries our marker To-tag and is absorbed
   * here as well.
   */
  private boolean answeredStatelessly(SIPRequest request, Flow flow, Function<byte[], ChannelFuture> reply) {
    String method = request.getMethod();
    String toTag = request.getToTag();
    if (method.equals("ACK") && toTag != null && toTag.startsWith(SipGateway.OVERLOAD_TAG_PREFIX)) {
      return true;
    }
    if (!method.equals("INVITE") || toTag != null || !admission.refuseNewCall()) {
      return false;
    }
    try {
      SIPResponse busy = request.createResponse(503,
          admission.draining() ? "Service Unavailable (draining)" : "Service Unavailable (overload)");
      busy.getTo().setTag(SipGateway.OVERLOAD_TAG_PREFIX + Long.toHexString(System.nanoTime()));
      busy.addHeader("Retry-After: " + admission.retryAfterSeconds());
      answer(reply, flow, SipCodec.encode(busy));
    } catch (Exception e) {
      log.warn("could not build the overload 503: {}", e.toString());
    }
    return true;
  }

  /**
   * RFC 3261 §21.5.12: a datagram over {@code sbc.sip.max-message-size} is refused with 513 when it
   * is a request whose headers were within the limit, else dropped; never read as a shorter message.
   */
  private void onTooLarge(byte[] truncated, Flow flow, Function<byte[], ChannelFuture> reply) {
    stats.received.increment();
    stats.traffic.parseError(flow.transport());
    if (SipCodec.decode(truncated) instanceof DecodeResult.Rejected rejected && rejected.answer().isPresent()) {
      SIPResponse tooLarge = rejected.answer().get();
      try {
        tooLarge.setStatusCode(513);
        tooLarge.setReasonPhrase("Message Too Large");
        stats.badRequestsAnswered.increment();
        log.info("answering 513 to {}: datagram over {} bytes", flow, truncated.length);
        answer(reply, flow, SipCodec.encode(tooLarge));
        return;
      } catch (java.text.ParseException e) {
        log.debug("no 513 for {}: {}", flow, e.toString());
      }
    }
    stats.dropped.increment();
    log.info("dropping a datagram over {} bytes from {}", truncated.length, flow);
  }

  /** Writes the gateway's own answer and counts it like any message sent. */
  private void answer(Function<byte[], ChannelFuture> reply, Flow flow, byte[] bytes) {
    MessageLabels labels = MessageLabels.ofWire(bytes);
    reply.apply(bytes).addListener(f -> outcome.report(f.isSuccess(), f.cause(), flow, labels, null));
  }

  /** While the node's {@link Fence} is closed what it reads is dropped unseen, as a lost datagram. */
  private boolean fenced() {
    if (!admission.fence().closed()) {
      return false;
    }
    stats.received.increment();
    stats.fenced.increment();
    return true;
  }

  /** RFC 5626 §4.4.1 / common practice: a datagram of only CR/LF is a keep-alive, not SIP. */
  private static boolean isKeepAlive(byte[] bytes) {
    for (byte b : bytes) {
      if (b != '\r' && b != '\n' && b != 0) {
        return false;
      }
    }
    return true;
  }

  private final class UdpHandler extends SimpleChannelInboundHandler<DatagramPacket> {
    private final int maxMessageBytes;

    UdpHandler(int maxMessageBytes) {
      this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
      if (fenced()) {
        return;
      }
      ByteBuf content = packet.content();
      byte[] bytes = new byte[content.readableBytes()];
      content.getBytes(content.readerIndex(), bytes);
      InetSocketAddress sender = packet.sender();
      if (isKeepAlive(bytes)) {
        stats.keepAlives.increment();
        return;
      }
      long receivedAt = System.currentTimeMillis();
      String host = sender.getAddress().getHostAddress();
      Flow flow = new Flow(Transport.UDP, host, sender.getPort(), "", self.get(), address.hostPort());
      Function<byte[], ChannelFuture> reply = r -> ctx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(r), sender));
      boolean queued = bytes.length > maxMessageBytes
          ? lanes.submit(bytes, () -> onTooLarge(java.util.Arrays.copyOf(bytes, maxMessageBytes), flow, reply))
          : lanes.submit(bytes, () -> onDecoded(SipCodec.decode(bytes), flow, receivedAt, reply));
      if (!queued) {
        stats.received.increment();
        stats.dropped.increment();
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.warn("UDP socket error: {}", cause.toString());
    }
  }

  /** The messages of one TCP or TLS connection; its flows pin it, so answers go back on it. */
  private final class StreamHandler extends SimpleChannelInboundHandler<DecodeResult> {
    private final Transport transport;
    private final String connectionId;

    StreamHandler(Transport transport, String connectionId) {
      this.transport = transport;
      this.connectionId = connectionId;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DecodeResult result) {
      if (fenced()) {
        return;
      }
      InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
      Flow flow = new Flow(transport, remote.getAddress().getHostAddress(), remote.getPort(), connectionId,
          self.get(), address.forTransport(transport));
      onDecoded(result, flow, System.currentTimeMillis(), reply -> ctx.writeAndFlush(Unpooled.wrappedBuffer(reply)));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // a failed TLS handshake is logged once, briefly, where it is counted (StreamConnections)
      if (cause instanceof SSLException || cause instanceof NotSslRecordException
          || (cause instanceof DecoderException && cause.getCause() instanceof SSLException)) {
        log.debug("closing {} connection {}: {}", transport, ctx.channel().remoteAddress(), cause.toString());
      } else {
        log.info("closing {} connection {}: {}", transport, ctx.channel().remoteAddress(), cause.toString());
      }
      ctx.close();
    }
  }
}
