package io.sbc.gateway;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.sbc.gateway.codec.SipStreamDecoder;
import io.sbc.protocol.DecodeResult;
import io.sbc.protocol.SipCodec;
import io.sbc.protocol.Transport;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty side of a node: one UDP socket and one TCP listener on the SIP address, plus the
 * outbound TCP connections it opens. It keeps no call state: every decoded message goes to the
 * {@link InboundSink} together with its {@link Flow}; answers come back through {@link #send}.
 */
public final class SipGateway implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SipGateway.class);
  /** To-tag of the 503s the gateway sends under overload, so their ACKs can be absorbed here. */
  static final String OVERLOAD_TAG_PREFIX = "ovl";

  private final GatewaySettings settings;
  /** This gateway's advertised host:port, stamped on its flows (Via and Contact of their messages). */
  private final String advertised;
  private final InboundSink sink;
  private final GatewayStats stats;
  private final AdmissionControl admission;
  private final EventLoopGroup group;
  private final DecodeLanes lanes;
  private final Map<String, Channel> connections = new ConcurrentHashMap<>();
  private final Map<InetSocketAddress, ChannelFuture> outbound = new ConcurrentHashMap<>();
  private volatile ActorRef<GatewayCommand> self;
  /** The sockets are closed (the node is leaving): sends are dropped, as a lost datagram would be. */
  private final java.util.concurrent.atomic.AtomicBoolean closed = new java.util.concurrent.atomic.AtomicBoolean();
  private volatile Channel udp;
  private Channel tcpServer;

  public SipGateway(
      GatewaySettings settings, InboundSink sink, GatewayStats stats, AdmissionControl admission) {
    this.settings = settings;
    this.advertised = settings.hostPort();
    this.sink = sink;
    this.stats = stats;
    this.admission = admission;
    this.group = new MultiThreadIoEventLoopGroup(settings.ioThreads(), NioIoHandler.newFactory());
    this.lanes = new DecodeLanes(settings.decodeThreads(), settings.decodeQueue());
  }

  /** Binds UDP and TCP; {@code self} is the actor that flows name for replies. */
  public void start(ActorRef<GatewayCommand> self) throws InterruptedException {
    this.self = self;
    InetSocketAddress local = new InetSocketAddress(settings.host(), settings.port());
    udp =
        new Bootstrap()
            .group(group)
            .channel(NioDatagramChannel.class)
            .option(ChannelOption.SO_RCVBUF, settings.udpBufferBytes())
            .option(ChannelOption.SO_SNDBUF, settings.udpBufferBytes())
            // Netty reads datagrams into 2,048-byte buffers by default and cuts what is longer:
            // an INVITE with an Identity header or a video/ICE SDP would arrive truncated
            .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(settings.maxMessageBytes()))
            .handler(new UdpHandler())
            .bind(local)
            .sync()
            .channel();
    tcpServer =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .option(ChannelOption.SO_REUSEADDR, true)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(streamInitializer())
            .bind(local)
            .sync()
            .channel();
    log.info("SIP gateway listening on {} (udp, tcp)", local);
  }

  public GatewaySettings settings() {
    return settings;
  }

  /**
   * Sends bytes on a flow. UDP goes out of the node's SIP socket; TCP uses the flow's connection
   * if it is still open, else a connection to the remote address (opened on demand and reused).
   */
  public void send(Flow flow, byte[] bytes, Consumer<String> onFailure) {
    if (closed.get() || udp == null) {
      // Not bound yet, or closed by a leaving node: calls anchored here lose this one as a lost
      // datagram (their retransmissions, re-homed once this node is gone, follow); failing the
      // send instead would fail their transactions, and throwing would stop the gateway actor.
      stats.droppedNotOpen.increment();
      return;
    }
    MessageLabels labels = MessageLabels.ofWire(bytes);
    if (flow.transport() == Transport.UDP) {
      ByteBuf buf = Unpooled.wrappedBuffer(bytes);
      udp.writeAndFlush(new DatagramPacket(buf, flow.remote()))
          .addListener(f -> afterWrite(f.isSuccess(), f.cause(), flow, labels, onFailure));
      return;
    }
    Channel pinned = flow.connectionId().isEmpty() ? null : connections.get(flow.connectionId());
    if (pinned != null && pinned.isActive()) {
      write(pinned, bytes, flow, labels, onFailure);
      return;
    }
    ChannelFuture connecting = outbound.computeIfAbsent(flow.remote(), this::connect);
    connecting.addListener(
        f -> {
          if (f.isSuccess() && connecting.channel().isActive()) {
            write(connecting.channel(), bytes, flow, labels, onFailure);
          } else {
            outbound.remove(flow.remote(), connecting);
            afterWrite(false, f.cause(), flow, labels, onFailure);
          }
        });
  }

  private void write(Channel channel, byte[] bytes, Flow flow, MessageLabels labels, Consumer<String> onFailure) {
    channel
        .writeAndFlush(Unpooled.wrappedBuffer(bytes))
        .addListener(f -> afterWrite(f.isSuccess(), f.cause(), flow, labels, onFailure));
  }

  private void afterWrite(boolean ok, Throwable cause, Flow flow, MessageLabels labels, Consumer<String> onFailure) {
    if (ok) {
      stats.sent.increment();
      stats.traffic.message(SipTraffic.Direction.OUT, flow.transport(), labels);
      return;
    }
    stats.sendFailures.increment();
    String reason = cause == null ? "connection closed" : cause.toString();
    log.warn("sending to {} failed: {}", flow, reason);
    if (onFailure != null) {
      onFailure.accept(reason);
    }
  }

  private ChannelFuture connect(InetSocketAddress remote) {
    log.debug("opening TCP connection to {}", remote);
    return new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, settings.connectTimeoutMillis())
        .handler(streamInitializer())
        .connect(remote);
  }

  private ChannelInitializer<SocketChannel> streamInitializer() {
    return new ChannelInitializer<>() {
      @Override
      protected void initChannel(SocketChannel ch) {
        String id = ch.id().asShortText();
        connections.put(id, ch);
        ch.closeFuture()
            .addListener(
                f -> {
                  connections.remove(id);
                  InetSocketAddress remote = ch.remoteAddress();
                  if (remote != null) {
                    outbound.computeIfPresent(remote, (k, v) -> v.channel() == ch ? null : v);
                  }
                });
        ch.pipeline()
            .addLast("framer", new SipStreamDecoder(settings.maxMessageBytes()))
            .addLast("sip", new StreamHandler(id));
      }
    };
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
    if (method.equals("ACK") && toTag != null && toTag.startsWith(OVERLOAD_TAG_PREFIX)) {
      return true;
    }
    if (!method.equals("INVITE") || toTag != null || !admission.refuseNewCall()) {
      return false;
    }
    try {
      SIPResponse busy = request.createResponse(503,
          admission.draining() ? "Service Unavailable (draining)" : "Service Unavailable (overload)");
      busy.getTo().setTag(OVERLOAD_TAG_PREFIX + Long.toHexString(System.nanoTime()));
      busy.addHeader("Retry-After: " + admission.retryAfterSeconds());
      answer(reply, flow, SipCodec.encode(busy));
    } catch (Exception e) {
      log.warn("could not build the overload 503: {}", e.toString());
    }
    return true;
  }

  /** Writes the gateway's own answer and counts it like any message sent. */
  private void answer(Function<byte[], ChannelFuture> reply, Flow flow, byte[] bytes) {
    MessageLabels labels = MessageLabels.ofWire(bytes);
    reply.apply(bytes).addListener(f -> afterWrite(f.isSuccess(), f.cause(), flow, labels, null));
  }

  private final class UdpHandler extends SimpleChannelInboundHandler<DatagramPacket> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
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
      Flow flow = new Flow(Transport.UDP, host, sender.getPort(), "", self, advertised);
      boolean queued = lanes.submit(bytes, () -> onDecoded(
          SipCodec.decode(bytes),
          flow,
          receivedAt,
          reply -> ctx.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(reply), sender))));
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

  /** RFC 5626 §4.4.1 / common practice: a datagram of only CR/LF is a keep-alive, not SIP. */
  private static boolean isKeepAlive(byte[] bytes) {
    for (byte b : bytes) {
      if (b != '\r' && b != '\n' && b != 0) {
        return false;
      }
    }
    return true;
  }

  private final class StreamHandler extends SimpleChannelInboundHandler<DecodeResult> {
    private final String connectionId;

    StreamHandler(String connectionId) {
      this.connectionId = connectionId;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DecodeResult result) {
      InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
      Flow flow =
          new Flow(
              Transport.TCP,
              remote.getAddress().getHostAddress(),
              remote.getPort(),
              connectionId,
              self,
              advertised);
      onDecoded(result, flow, System.currentTimeMillis(), reply -> ctx.writeAndFlush(Unpooled.wrappedBuffer(reply)));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.info("closing TCP connection {}: {}", ctx.channel().remoteAddress(), cause.toString());
      ctx.close();
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      log.info("SIP sockets closing: what is still sent through this node is dropped from now on");
    }
    if (udp != null) {
      udp.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
    if (tcpServer != null) {
      tcpServer.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
    connections.values().forEach(Channel::close);
    lanes.close();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
