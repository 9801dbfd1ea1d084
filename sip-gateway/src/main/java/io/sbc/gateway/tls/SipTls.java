package io.sbc.gateway.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TLS contexts of the SIP transport (RFC 3261 §26, RFC 5630), built once from
 * {@link TlsSettings}: the server side of the TLS listener and the client side of the
 * connections the SBC opens to next hops and targets. Both present the configured certificate
 * (a peer may ask the SBC for a client certificate); the client side checks the server's chain
 * against the configured CA (or the JVM's trust store) and, when asked, its host name; it never
 * trusts blindly. JDK provider: no native library to ship.
 */
public final class SipTls {
  private static final Logger log = LoggerFactory.getLogger(SipTls.class);

  private final SslContext server;
  private final SslContext client;
  private final long handshakeTimeoutMillis;
  private final int port;

  private SipTls(SslContext server, SslContext client, long handshakeTimeoutMillis, int port) {
    this.server = server;
    this.client = client;
    this.handshakeTimeoutMillis = handshakeTimeoutMillis;
    this.port = port;
  }

  /**
   * The contexts, or empty when TLS is off (no certificate). Throws IllegalArgumentException
   * naming the file when a configured file is missing or unusable.
   */
  public static Optional<SipTls> load(TlsSettings settings) {
    if (!settings.enabled()) {
      return Optional.empty();
    }
    Path certFile = Path.of(settings.certificate());
    Path keyFile = Path.of(settings.privateKey());
    X509Certificate[] chain = PemFiles.certificates(certFile, "sbc.sip.tls.certificate");
    PrivateKey key = PemFiles.privateKey(keyFile, "sbc.sip.tls.private-key");
    PemFiles.checkPair(key, chain[0], keyFile, certFile, "sbc.sip.tls");
    warnIfNotValidNow(chain[0], certFile);
    X509Certificate[] ca = settings.ca().isEmpty()
        ? null
        : PemFiles.certificates(Path.of(settings.ca()), "sbc.sip.tls.ca");
    try {
      SslContextBuilder server = SslContextBuilder.forServer(key, chain)
          .sslProvider(SslProvider.JDK)
          .clientAuth(switch (settings.clientAuth()) {
            case NONE -> io.netty.handler.ssl.ClientAuth.NONE;
            case OPTIONAL -> io.netty.handler.ssl.ClientAuth.OPTIONAL;
            case REQUIRE -> io.netty.handler.ssl.ClientAuth.REQUIRE;
          });
      SslContextBuilder client = SslContextBuilder.forClient()
          .sslProvider(SslProvider.JDK)
          .keyManager(key, chain)
          // Netty 4.2 checks host names by default: say which we want, either way
          .endpointIdentificationAlgorithm(settings.verifyHostname() ? "HTTPS" : null);
      if (ca != null) {
        server.trustManager(ca);
        client.trustManager(ca);
      }
      return Optional.of(new SipTls(server.build(), client.build(), settings.handshakeTimeout().toMillis(),
          settings.port()));
    } catch (SSLException | IllegalArgumentException e) {
      throw new IllegalArgumentException("sbc.sip.tls: cannot build a TLS context from " + certFile + " and "
          + keyFile + ": " + e.getMessage(), e);
    }
  }

  /** The port of the TLS listener. */
  public int port() {
    return port;
  }

  /** A handler for a connection a peer opened to the TLS listener. */
  public SslHandler serverHandler(ByteBufAllocator alloc) {
    SslHandler handler = server.newHandler(alloc);
    handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
    return handler;
  }

  /**
   * A handler for a connection the SBC opens to {@code host}: the name a server certificate is
   * checked against (when verify-hostname is on) and sent as SNI.
   */
  public SslHandler clientHandler(ByteBufAllocator alloc, String host, int port) {
    SslHandler handler = client.newHandler(alloc, host, port);
    handler.setHandshakeTimeoutMillis(handshakeTimeoutMillis);
    return handler;
  }

  private static void warnIfNotValidNow(X509Certificate cert, Path file) {
    try {
      cert.checkValidity();
    } catch (CertificateExpiredException | CertificateNotYetValidException e) {
      // peers will refuse it, but the operator may be about to replace it: say so, do not stop
      log.warn("sbc.sip.tls.certificate {} is not valid now ({}); peers will refuse the SBC's TLS", file, e.getMessage());
    }
  }
}
