package io.sbc.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The container's health check asks the node's own management port and tells 200 from the rest. */
class HealthProbeTest {
  private static Config http(String host, int port, String cert) {
    return ConfigFactory.parseString("host = \"" + host + "\", port = " + port + ", tls.certificate = \"" + cert + "\"");
  }

  private static void serve(HttpServer server) {
    server.createContext("/alive", x -> { x.sendResponseHeaders(200, -1); x.close(); });
    server.createContext("/ready", x -> { x.sendResponseHeaders(503, -1); x.close(); });
    server.start();
  }

  @Test
  void answersTheStatusOfThePathOnTheConfiguredPort() throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    serve(server);
    try {
      int port = server.getAddress().getPort();
      assertEquals(200, HealthProbe.status(http("127.0.0.1", port, ""), "/alive"));
      assertEquals(503, HealthProbe.status(http("127.0.0.1", port, ""), "/ready"));
      assertEquals(200, HealthProbe.status(http("0.0.0.0", port, ""), "/alive"), "every interface: asked on loopback");
    } finally {
      server.stop(0);
    }
  }

  @Test
  void nothingListeningIsAnError() throws Exception {
    int port;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    int closed = port;
    assertThrows(IOException.class, () -> HealthProbe.status(http("127.0.0.1", closed, ""), "/alive"));
  }

  @Test
  void anHttpsServerIsAskedTrustingItsOwnCertificate(@TempDir Path dir) throws Exception {
    Path store = dir.resolve("node.p12");
    Path cert = dir.resolve("node.pem");
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    run(List.of(keytool, "-genkeypair", "-alias", "node", "-keyalg", "EC", "-dname", "CN=sbc-node", "-validity", "2",
        "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", "secret", "-keypass", "secret"));
    run(List.of(keytool, "-exportcert", "-rfc", "-alias", "node", "-keystore", store.toString(), "-storepass", "secret",
        "-file", cert.toString()));
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = new FileInputStream(store.toFile())) {
      ks.load(in, "secret".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "secret".toCharArray());
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf.getKeyManagers(), null, null);
    HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(tls));
    serve(server);
    try {
      int port = server.getAddress().getPort();
      assertEquals(200, HealthProbe.status(http("127.0.0.1", port, cert.toString()), "/alive"));
      assertThrows(IOException.class, () -> HealthProbe.status(http("127.0.0.1", port, ""), "/alive"),
          "plain HTTP to an HTTPS server is no answer");
    } finally {
      server.stop(0);
    }
  }

  private static void run(List<String> cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (p.waitFor() != 0) {
      throw new IllegalStateException(cmd + ": " + out);
    }
  }
}
