package io.sbc.gateway;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.sbc.gateway.tls.SipTls;
import io.sbc.protocol.Transport;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Netty side of a node: one UDP socket and one TCP listener on the SIP address, a TLS
 * listener when TLS is configured, plus the outbound connections it opens. It keeps no call
 * state: every decoded message goes to the {@link InboundSink} together with its {@link Flow};
 * answers come back through {@link #send}, which also applies the transport rules of RFC 3261
 * §18 (large requests over TCP, responses on a lost connection to the Via's sent-by).
 */
public final class SipGateway implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SipGateway.class);
  /** To-tag of the 503s the gateway sends under overload, so their ACKs can be absorbed here. */
  static final String OVERLOAD_TAG_PREFIX = "ovl";

  private final GatewaySettings settings;
  private final Optional<SipTls> tls;
  private final GatewayStats stats;
  private final AdmissionControl admission;
  private final EventLoopGroup group;
  private final DecodeLanes lanes;
  private final WriteOutcome outcome;
  private final Inbound inbound;
  private final StreamConnections streams;
  private final LargeRequests largeRequests;
  private volatile ActorRef<GatewayCommand> self;
  /** The sockets are closed (the node is leaving): sends are dropped, as a lost datagram would be. */
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Channel udp;
  private Channel tcpServer;
  private Channel tlsServer;

  /** A gateway without TLS ({@code settings.tls()} off). */
  public SipGateway(
      GatewaySettings settings, InboundSink sink, GatewayStats stats, AdmissionControl admission) {
    this(settings, Optional.empty(), sink, stats, admission);
  }

  /** @param tls the contexts loaded from {@code settings.tls()} ({@link SipTls#load}); empty: no TLS */
  public SipGateway(GatewaySettings settings, Optional<SipTls> tls, InboundSink sink, GatewayStats stats,
      AdmissionControl admission) {
    if (settings.tls().enabled() != tls.isPresent()) {
      throw new IllegalArgumentException("the TLS contexts must be those of sbc.sip.tls (SipTls.load)");
    }
    this.settings = settings;
    this.tls = tls;
    this.stats = stats;
    this.group = new MultiThreadIoEventLoopGroup(settings.ioThreads(), NioIoHandler.newFactory());
    this.lanes = new DecodeLanes(settings.decodeThreads(), settings.decodeQueue());
    this.outcome = new WriteOutcome(stats);
    this.admission = admission;
    this.inbound = new Inbound(this.settings.address(), sink, stats, admission, lanes, outcome, () -> self);
    this.streams = new StreamConnections(group, settings, tls, stats, inbound::stream);
    this.largeRequests = new LargeRequests(settings.udpMtuThreshold());
  }

  /** Binds UDP, TCP and (when configured) TLS; {@code self} is the actor that flows name for replies. */
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
            .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(settings.maxMessageBytes() + 1))
            .handler(inbound.datagrams(settings.maxMessageBytes()))
            .bind(local)
            .sync()
            .channel();
    tcpServer = listen(local, Transport.TCP);
    if (tls.isPresent()) {
      InetSocketAddress tlsLocal = new InetSocketAddress(settings.host(), tls.get().port());
      tlsServer = listen(tlsLocal, Transport.TLS);
      log.info("SIP gateway listening on {} (udp, tcp) and {} (tls)", local, tlsLocal);
    } else {
      log.info("SIP gateway listening on {} (udp, tcp); no TLS (sbc.sip.tls.certificate not set)", local);
    }
  }

  private Channel listen(InetSocketAddress local, Transport transport) throws InterruptedException {
    return new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .option(ChannelOption.SO_BACKLOG, 1024)
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(streams.accepted(transport))
        .bind(local)
        .sync()
        .channel();
  }

  public GatewaySettings settings() {
    return settings;
  }

  /**
   * Sends bytes on a flow. UDP goes out of the node's SIP socket, except a request too large for
   * it (§18.1.1). TCP and TLS use the flow's connection if it is still open; else a request goes
   * to the flow's remote address and a response to its Via's sent-by (§18.2.2), on a connection
   * opened on demand and reused.
   */
  public void send(Flow flow, byte[] bytes, Consumer<String> onFailure) {
    if (closed.get() || udp == null) {
      // Not bound yet, or closed by a leaving node: calls anchored here lose this one as a lost
      // datagram (their retransmissions, re-homed once this node is gone, follow); failing the
      // send instead would fail their transactions, and throwing would stop the gateway actor.
      stats.droppedNotOpen.increment();
      return;
    }
    if (admission.fence().closed()) {
      stats.fenced.increment(); // a node that may have been replaced says nothing more
      return;
    }
    MessageLabels labels = MessageLabels.ofWire(bytes);
    if (flow.transport() == Transport.UDP && labels.request() && settings.front().enabled()) {
      // through the cluster's front, which sends it on from the one address peers know
      sendUdp(flow, Front.addressed(bytes, flow.remote()), settings.front().egress(), labels, onFailure);
      return;
    }
    if (flow.transport() == Transport.UDP) {
      byte[] overTcp = largeRequests.overTcp(bytes, labels);
      if (overTcp == null) {
        sendUdp(flow, bytes, flow.remote(), labels, onFailure);
      } else {
        sendLargeOverTcp(flow, bytes, overTcp, labels, onFailure);
      }
      return;
    }
    Channel pinned = streams.pinned(flow.connectionId());
    if (pinned != null) {
      write(pinned, bytes, flow, labels, onFailure);
      return;
    }
    String host = flow.remoteHost();
    int port = flow.remotePort();
    if (!labels.request()) {
      ResponseTarget to = ResponseTarget.of(bytes, flow);
      host = to.host();
      port = to.port();
    }
    streams.open(flow.transport(), host, port).addListener(f -> {
      if (f.isSuccess()) {
        write((Channel) f.getNow(), bytes, flow, labels, onFailure);
      } else {
        outcome.report(false, f.cause(), flow, labels, onFailure);
      }
    });
  }

  private void sendUdp(Flow flow, byte[] bytes, InetSocketAddress to, MessageLabels labels, Consumer<String> onFailure) {
    udp.writeAndFlush(new DatagramPacket(Unpooled.wrappedBuffer(bytes), to))
        .addListener(f -> outcome.report(f.isSuccess(), f.cause(), flow, labels, onFailure));
  }

  /**
   * §18.1.1: the request goes over TCP to the flow's address with its Via saying TCP; when no
   * connection can be made there (refused, reset, timed out), it goes over UDP as it was built.
   */
  private void sendLargeOverTcp(Flow flow, byte[] original, byte[] overTcp, MessageLabels labels,
      Consumer<String> onFailure) {
    Flow tcp = new Flow(Transport.TCP, flow.remoteHost(), flow.remotePort(), "", flow.gateway(), flow.localAddress());
    streams.open(Transport.TCP, flow.remoteHost(), flow.remotePort()).addListener(f -> {
      if (f.isSuccess()) {
        stats.largeRequestsOverTcp.increment();
        write((Channel) f.getNow(), overTcp, tcp, labels, onFailure);
      } else {
        stats.largeRequestsBackToUdp.increment();
        log.info("{}-byte request to {}: no TCP connection ({}), sent over UDP", original.length, flow,
            f.cause().toString());
        largeRequests.fellBack(overTcp);
        sendUdp(flow, original, flow.remote(), labels, onFailure);
      }
    });
  }

  private void write(Channel channel, byte[] bytes, Flow flow, MessageLabels labels, Consumer<String> onFailure) {
    channel
        .writeAndFlush(Unpooled.wrappedBuffer(bytes))
        .addListener(f -> outcome.report(f.isSuccess(), f.cause(), flow, labels, onFailure));
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      log.info("SIP sockets closing: what is still sent through this node is dropped from now on");
    }
    for (Channel listener : new Channel[] {udp, tcpServer, tlsServer}) {
      if (listener != null) {
        listener.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
      }
    }
    streams.closeAll();
    lanes.close();
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
