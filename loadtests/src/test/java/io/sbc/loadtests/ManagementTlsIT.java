package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The management server over HTTPS with a throwaway certificate: a client that trusts it reads
 * and writes the API, plain HTTP gets no answer, and a node told to use TLS with a key file that
 * is not there refuses to start (exit 2, naming the file) rather than serve plaintext.
 */
class ManagementTlsIT {
  private static final String TOKEN = "tls-token";

  @Test
  void theApiIsServedOverHttpsOnlyWithTheConfiguredCertificate() throws Exception {
    TestCertificates certs = TestCertificates.selfSigned(Work.dir().resolve("tls-" + System.nanoTime()));
    Map<String, String> env = Map.of("SBC_HTTP_TLS_CERT", certs.certificate.toString(),
        "SBC_HTTP_TLS_KEY", certs.privateKey.toString(), "SBC_ADMIN_TOKEN", TOKEN);
    try (NodeProcess node = NodeProcess.startHttps("tls-1", "sip:127.0.0.1:" + Ports.free(), env, certs.clientContext())) {
      assertEquals(200, ManagementHttp.call(node, "GET", "/ready", null, null).statusCode(), "ready over https");
      var put = ManagementHttp.call(node, "PUT", "/sbc/policy", TOKEN, "{\"policy\": \"block\"}");
      assertEquals(200, put.statusCode(), put.body());
      ManagementHttp.awaitBody(node, "/sbc/policy", "block", Duration.ofSeconds(5));
      HttpClient plain = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      HttpRequest overHttp = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort + "/ready"))
          .timeout(Duration.ofSeconds(3)).build();
      assertThrows(IOException.class, () -> plain.send(overHttp, HttpResponse.BodyHandlers.ofString()),
          "no plaintext answer from a TLS server");
      HttpClient untrusting = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
      HttpRequest overHttps = HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + node.httpPort + "/ready"))
          .timeout(Duration.ofSeconds(3)).build();
      assertThrows(IOException.class, () -> untrusting.send(overHttps, HttpResponse.BodyHandlers.ofString()),
          "a client that does not trust the certificate gets nothing");
    }
  }

  @Test
  void aMissingKeyFileStopsTheNodeAtStartNamingTheFile() throws Exception {
    TestCertificates certs = TestCertificates.selfSigned(Work.dir().resolve("tls-" + System.nanoTime()));
    Path missing = certs.privateKey.resolveSibling("missing-key.pem");
    Path jar = Path.of(System.getProperty("sbc.node.jar", "../node/target/sbc-node-0.1.0-SNAPSHOT-all.jar"));
    Path dir = Files.createDirectories(Work.dir().resolve("tls-bad-" + System.nanoTime()));
    ProcessBuilder pb = new ProcessBuilder(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-jar", jar.toAbsolutePath().toString()));
    pb.environment().putAll(Map.of("SBC_HTTP_TLS_CERT", certs.certificate.toString(), "SBC_HTTP_TLS_KEY",
        missing.toString(), "SBC_HTTP_PORT", Integer.toString(Ports.free()), "SBC_SIP_PORT",
        Integer.toString(Ports.free()), "SBC_CLUSTER_PORT", Integer.toString(Ports.free()), "SBC_DATA_DIR",
        dir.resolve("data").toString()));
    Path log = dir.resolve("node.log");
    Process p = pb.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try (ReapOnExit reaper = ReapOnExit.kill("tls-bad-node", p.toHandle())) {
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the node should stop by itself");
      String out = Files.readString(log);
      assertEquals(2, p.exitValue(), out);
      assertTrue(out.contains(missing.toString()), "the log names the file: " + out);
    } finally {
      p.destroyForcibly();
    }
  }
}
