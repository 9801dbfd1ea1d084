package io.sbc.loadtests;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway self-signed certificate for 127.0.0.1, made with the JDK's keytool (nothing to
 * install), and written as the PEM files a node reads: {@code cert.pem}, {@code key.pem}.
 */
final class TestCertificates {
  final Path certificate;
  final Path privateKey;
  final Certificate cert;
  private final KeyStore store;

  private TestCertificates(Path certificate, Path privateKey, Certificate cert, KeyStore store) {
    this.certificate = certificate;
    this.privateKey = privateKey;
    this.cert = cert;
    this.store = store;
  }

  static TestCertificates selfSigned(Path dir) throws Exception {
    Files.createDirectories(dir);
    Path store = dir.resolve("test.p12");
    Files.deleteIfExists(store);
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Process p = new ProcessBuilder(List.of(keytool, "-genkeypair", "-keystore", store.toString(), "-storetype", "PKCS12",
        "-storepass", "changeit", "-alias", "sbc", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
        "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1"))
        .redirectErrorStream(true).redirectOutput(dir.resolve("keytool.log").toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("keytool failed: " + Files.readString(dir.resolve("keytool.log")));
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(store)) {
      ks.load(in, "changeit".toCharArray());
    }
    Certificate cert = ks.getCertificate("sbc");
    byte[] key = ks.getKey("sbc", "changeit".toCharArray()).getEncoded(); // PKCS#8
    Path certPem = dir.resolve("cert.pem");
    Path keyPem = dir.resolve("key.pem");
    Files.writeString(certPem, pem("CERTIFICATE", cert.getEncoded()));
    Files.writeString(keyPem, pem("PRIVATE KEY", key));
    return new TestCertificates(certPem, keyPem, cert, ks);
  }

  /** A client context that trusts only this certificate. */
  javax.net.ssl.SSLContext clientContext() throws Exception {
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(null, trustingOnlyThis(), null);
    return ctx;
  }

  /**
   * A context that presents this certificate and trusts only it: a TLS peer (callee or caller)
   * sharing the node's throwaway identity, which the node trusts with {@code SBC_SIP_TLS_CA}.
   */
  javax.net.ssl.SSLContext peerContext() throws Exception {
    javax.net.ssl.KeyManagerFactory kmf =
        javax.net.ssl.KeyManagerFactory.getInstance(javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, "changeit".toCharArray());
    javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), trustingOnlyThis(), null);
    return ctx;
  }

  private javax.net.ssl.TrustManager[] trustingOnlyThis() throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("sbc", cert);
    javax.net.ssl.TrustManagerFactory tmf =
        javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    return tmf.getTrustManagers();
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
