package io.sbc.node.http;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.sbc.gateway.tls.PemFiles;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The container's health check ({@code deploy/Dockerfile} HEALTHCHECK): asks this node's management
 * server for a path ({@code /alive} by default) and exits 0 on 200, 1 otherwise. A class in the node's
 * jar because the JRE image has no curl; it reads the node's own configuration (the same SBC_HTTP_*
 * variables), so it asks the port the node listens on, over HTTPS trusting the node's own certificate
 * when the server has one.
 */
public final class HealthProbe {
  private HealthProbe() {}

  public static void main(String[] args) {
    String path = args.length > 0 ? args[0] : "/alive";
    try {
      int status = status(ConfigFactory.load().getConfig("sbc.http"), path);
      System.out.println("GET " + path + ": " + status);
      System.exit(status == 200 ? 0 : 1);
    } catch (IOException | RuntimeException e) {
      System.out.println("GET " + path + ": " + e);
      System.exit(1);
    }
  }

  /** The HTTP status the management server ({@code sbc.http} settings) answers for {@code path}. */
  static int status(Config http, String path) throws IOException {
    String host = http.getString("host");
    // a server bound to every interface is reached on loopback
    if (host.isEmpty() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]")) {
      host = "127.0.0.1";
    } else if (host.contains(":") && !host.startsWith("[")) {
      host = "[" + host + "]";
    }
    String cert = http.getString("tls.certificate").trim();
    URI uri = URI.create((cert.isEmpty() ? "http" : "https") + "://" + host + ":" + http.getInt("port") + path);
    HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
    if (c instanceof HttpsURLConnection https) {
      https.setSSLSocketFactory(trusting(Path.of(cert)).getSocketFactory());
      // the one certificate trusted is the node's own, whatever names it carries
      https.setHostnameVerifier((name, session) -> true);
    }
    c.setConnectTimeout(2000);
    c.setReadTimeout(3000);
    try {
      return c.getResponseCode();
    } finally {
      c.disconnect();
    }
  }

  private static SSLContext trusting(Path certFile) {
    X509Certificate[] chain = PemFiles.certificates(certFile, "sbc.http.tls.certificate");
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      for (int i = 0; i < chain.length; i++) {
        store.setCertificateEntry("node-" + i, chain[i]);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot trust " + certFile + ": " + e.getMessage(), e);
    }
  }
}
