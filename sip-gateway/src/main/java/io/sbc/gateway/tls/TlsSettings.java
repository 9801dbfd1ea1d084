package io.sbc.gateway.tls;

import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code sbc.sip.tls}: SIP over TLS is on when a certificate is configured (with its key); the
 * listener then runs on {@code port}. Paths are checked when the contexts are built
 * ({@link SipTls#load}), not here.
 *
 * @param ca PEM bundle the peers' certificates must chain to; empty: the JVM's default trust
 *     store for the servers the SBC connects to (client certificates then cannot be checked)
 * @param verifyHostname whether a server's certificate must also name the host the SBC connected
 *     to (its DNS or IP subject alternative names); off: any certificate chaining to {@code ca}
 */
public record TlsSettings(
    int port,
    String certificate,
    String privateKey,
    String ca,
    ClientAuth clientAuth,
    boolean verifyHostname,
    Duration handshakeTimeout) {

  /** Whether the SBC asks connecting peers for a certificate. */
  public enum ClientAuth { NONE, OPTIONAL, REQUIRE }

  public TlsSettings {
    certificate = certificate == null ? "" : certificate.trim();
    privateKey = privateKey == null ? "" : privateKey.trim();
    ca = ca == null ? "" : ca.trim();
    if (certificate.isEmpty() != privateKey.isEmpty()) {
      throw new IllegalArgumentException("sbc.sip.tls: certificate and private-key go together (SBC_SIP_TLS_CERT, "
          + "SBC_SIP_TLS_KEY); got certificate='" + certificate + "', private-key='" + privateKey + "'");
    }
    if (clientAuth != ClientAuth.NONE && ca.isEmpty()) {
      throw new IllegalArgumentException("sbc.sip.tls.client-auth = " + clientAuth.name().toLowerCase(Locale.ROOT)
          + " needs sbc.sip.tls.ca (SBC_SIP_TLS_CA), the CA bundle client certificates are checked against");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("sbc.sip.tls.port must be 1-65535, got " + port);
    }
    if (handshakeTimeout.isNegative() || handshakeTimeout.isZero()) {
      throw new IllegalArgumentException("sbc.sip.tls.handshake-timeout must be positive");
    }
  }

  /** TLS off: no certificate. */
  public static TlsSettings off(int port) {
    return new TlsSettings(port, "", "", "", ClientAuth.NONE, false, Duration.ofSeconds(5));
  }

  public boolean enabled() {
    return !certificate.isEmpty();
  }

  public static TlsSettings create(Config tls) {
    String clientAuth = tls.getString("client-auth").trim().toUpperCase(Locale.ROOT);
    ClientAuth mode;
    try {
      mode = ClientAuth.valueOf(clientAuth);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("sbc.sip.tls.client-auth must be none, optional or require, got '"
          + tls.getString("client-auth") + "'", e);
    }
    return new TlsSettings(
        tls.getInt("port"),
        tls.getString("certificate"),
        tls.getString("private-key"),
        tls.getString("ca"),
        mode,
        tls.getBoolean("verify-hostname"),
        tls.getDuration("handshake-timeout"));
  }
}
