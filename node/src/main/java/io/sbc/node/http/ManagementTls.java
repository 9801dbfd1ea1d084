package io.sbc.node.http;

import com.typesafe.config.Config;
import io.sbc.gateway.tls.PemFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The optional TLS of the management HTTP server: a certificate chain and its private key from
 * PEM files ({@code sbc.http.tls.certificate}, {@code sbc.http.tls.private-key}; PKCS#8 or PKCS#1
 * keys, read by {@link PemFiles} as SIP over TLS does). Both empty: plain HTTP. One given without the other, a file
 * that cannot be read or a key that does not parse is a configuration error naming the file, so
 * the node never falls back to plaintext when TLS was asked for.
 */
public final class ManagementTls {
  private ManagementTls() {}

  /** The server's TLS context, or empty for plain HTTP; throws IllegalArgumentException on bad input. */
  public static Optional<SSLContext> fromConfig(Config sbc) {
    String cert = sbc.getString("http.tls.certificate").trim();
    String key = sbc.getString("http.tls.private-key").trim();
    if (cert.isEmpty() && key.isEmpty()) {
      return Optional.empty();
    }
    if (cert.isEmpty() || key.isEmpty()) {
      throw new IllegalArgumentException("sbc.http.tls: certificate and private-key go together (SBC_HTTP_TLS_CERT, "
          + "SBC_HTTP_TLS_KEY); got certificate='" + cert + "', private-key='" + key + "'");
    }
    return Optional.of(context(Path.of(cert), Path.of(key)));
  }

  static SSLContext context(Path certFile, Path keyFile) {
    X509Certificate[] chain = PemFiles.certificates(certFile, "sbc.http.tls.certificate");
    PrivateKey key = PemFiles.privateKey(keyFile, "sbc.http.tls.private-key");
    PemFiles.checkPair(key, chain[0], keyFile, certFile, "sbc.http.tls");
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry("management", key, new char[0], chain);
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(store, new char[0]);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), null, null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalArgumentException("sbc.http.tls: the key in " + keyFile + " does not go with the certificate in "
          + certFile + ": " + e.getMessage(), e);
    }
  }
}
