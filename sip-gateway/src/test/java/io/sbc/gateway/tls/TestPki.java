package io.sbc.gateway.tls;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Throwaway self-signed EC certificates made with the JDK's keytool, written as PEM files; each
 * one can serve as its own trust anchor (the "CA" a peer is configured with).
 */
public final class TestPki {
  public final Path certificate;
  public final Path privateKey;
  public final X509Certificate cert;
  private final KeyStore store;

  private TestPki(Path certificate, Path privateKey, X509Certificate cert, KeyStore store) {
    this.certificate = certificate;
    this.privateKey = privateKey;
    this.cert = cert;
    this.store = store;
  }

  /** A certificate named {@code name} with the subject alternative names {@code san} (keytool syntax). */
  public static TestPki selfSigned(Path dir, String name, String san) throws Exception {
    Files.createDirectories(dir);
    Path p12 = dir.resolve(name + ".p12");
    Files.deleteIfExists(p12);
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Path out = dir.resolve(name + "-keytool.log");
    Process p = new ProcessBuilder(List.of(keytool, "-genkeypair", "-keystore", p12.toString(), "-storetype",
        "PKCS12", "-storepass", "changeit", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1",
        "-validity", "2", "-dname", "CN=" + name, "-ext", "SAN=" + san))
        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("keytool failed: " + Files.readString(out));
    }
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(p12)) {
      ks.load(in, "changeit".toCharArray());
    }
    X509Certificate cert = (X509Certificate) ks.getCertificate(name);
    Path certPem = dir.resolve(name + "-cert.pem");
    Path keyPem = dir.resolve(name + "-key.pem");
    Files.writeString(certPem, pem("CERTIFICATE", cert.getEncoded()));
    Files.writeString(keyPem, pem("PRIVATE KEY", ks.getKey(name, "changeit".toCharArray()).getEncoded()));
    return new TestPki(certPem, keyPem, cert, ks);
  }

  /** A JDK context presenting this certificate and trusting only {@code trusted}. */
  public SSLContext context(X509Certificate trusted) throws Exception {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(store, "changeit".toCharArray());
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("trusted", trusted);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return ctx;
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
