package io.sbc.gateway;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.sbc.gateway.codec.SipStreamDecoder;
import io.sbc.gateway.tls.SipTls;
import io.sbc.protocol.Transport;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TCP and TLS connections of a gateway, both directions: their pipelines (TLS below the same
 * SIP stream framing as TCP), the live ones by id (a flow pins the connection its message came on)
 * and the outbound ones by destination, opened on demand and reused. An outbound TLS connection
 * counts as open once its handshake succeeded, so a peer whose certificate is refused fails the
 * send (and the request gets its 503) instead of swallowing the message.
 */
final class StreamConnections {
  private static final Logger log = LoggerFactory.getLogger(StreamConnections.class);

  /** Makes the handler that receives the decoded messages of a connection. */
  @FunctionalInterface
  interface SipHandlers {
    ChannelHandler create(Transport transport, String connectionId);
  }

  /** Where an outbound connection goes; one connection per destination. */
  private record Destination(Transport transport, String host, int port) {}

  private final EventLoopGroup group;
  private final GatewaySettings settings;
  private final Optional<SipTls> tls;
  private final GatewayStats stats;
  private final SipHandlers handlers;
  private final Map<String, Channel> byId = new ConcurrentHashMap<>();
  private final Map<Destination, Future<Channel>> outbound = new ConcurrentHashMap<>();

  StreamConnections(EventLoopGroup group, GatewaySettings settings, Optional<SipTls> tls, GatewayStats stats,
      SipHandlers handlers) {
    this.group = group;
    this.settings = settings;
    this.tls = tls;
    this.stats = stats;
    this.handlers = handlers;
  }

  /** The pipeline of connections peers open to the TCP or the TLS listener. */
  ChannelInitializer<SocketChannel> accepted(Transport transport) {
    return new ChannelInitializer<>() {
      @Override
      protected void initChannel(SocketChannel ch) {
        SslHandler ssl = transport == Transport.TLS ? tls.orElseThrow().serverHandler(ch.alloc()) : null;
        setUp(ch, transport, ssl);
      }
    };
  }

  /** The connection of that id while it is open, else null. */
  Channel pinned(String connectionId) {
    Channel ch = connectionId.isEmpty() ? null : byId.get(connectionId);
    return ch != null && ch.isActive() ? ch : null;
  }

  /**
   * A connection to {@code host:port} over TCP or TLS, ready to write (TLS: handshake done): an
   * open one, one being opened, or a new one. Fails without connecting when TLS is asked for and
   * this gateway has none: a message meant for TLS never goes out in plaintext.
   */
  Future<Channel> open(Transport transport, String host, int port) {
    if (transport == Transport.TLS && tls.isEmpty()) {
      return group.next().newFailedFuture(new IllegalStateException(
          "SIP over TLS is not configured on this node (sbc.sip.tls.certificate, SBC_SIP_TLS_CERT); not sent"));
    }
    Destination to = new Destination(transport, host, port);
    Future<Channel> existing = outbound.get(to);
    if (existing != null && (!existing.isDone() || (existing.isSuccess() && existing.getNow().isActive()))) {
      return existing;
    }
    Promise<Channel> ready = group.next().newPromise();
    if (existing == null ? outbound.putIfAbsent(to, ready) != null : !outbound.replace(to, existing, ready)) {
      return open(transport, host, port); // another send raced us: take its connection
    }
    ready.addListener(f -> {
      if (!f.isSuccess()) {
        outbound.remove(to, ready);
      }
    });
    connect(to, ready);
    return ready;
  }

  private void connect(Destination to, Promise<Channel> ready) {
    log.debug("opening {} connection to {}:{}", to.transport(), to.host(), to.port());
    InetSocketAddress remote = new InetSocketAddress(to.host(), to.port());
    ChannelFuture connecting = new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, settings.connectTimeoutMillis())
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            SslHandler ssl = to.transport() == Transport.TLS
                ? tls.orElseThrow().clientHandler(ch.alloc(), to.host(), to.port())
                : null;
            setUp(ch, to.transport(), ssl);
          }
        })
        .connect(remote);
    connecting.addListener(f -> {
      if (!f.isSuccess()) {
        ready.tryFailure(f.cause());
        return;
      }
      Channel ch = connecting.channel();
      ch.closeFuture().addListener(closed -> outbound.remove(to, ready));
      SslHandler ssl = ch.pipeline().get(SslHandler.class);
      if (ssl == null) {
        ready.trySuccess(ch);
      } else {
        ssl.handshakeFuture().addListener(h -> {
          if (h.isSuccess()) {
            ready.trySuccess(ch);
          } else {
            ready.tryFailure(h.cause());
          }
        });
      }
    });
  }

  private void setUp(SocketChannel ch, Transport transport, SslHandler ssl) {
    String id = ch.id().asShortText();
    byId.put(id, ch);
    ch.closeFuture().addListener(f -> byId.remove(id));
    if (ssl != null) {
      ssl.handshakeFuture().addListener(h -> {
        if (!h.isSuccess()) {
          stats.tlsHandshakeFailures.increment();
          log.info("TLS handshake with {} failed: {}", ch.remoteAddress(), brief(h.cause()));
        }
      });
      ch.pipeline().addLast("tls", ssl);
    }
    ch.pipeline()
        .addLast("framer", new SipStreamDecoder(settings.maxMessageBytes()))
        .addLast("sip", handlers.create(transport, id));
  }

  /**
   * A failed handshake's cause, short: Netty's message for bytes that are no TLS record carries
   * them all in hex, and whoever sends garbage would choose the size of our log lines.
   */
  private static String brief(Throwable cause) {
    if (cause instanceof NotSslRecordException) {
      return "not a TLS record (plaintext or garbage)";
    }
    String text = cause.toString();
    return text.length() <= 300 ? text : text.substring(0, 300) + "...";
  }

  void closeAll() {
    byId.values().forEach(Channel::close);
  }
}
