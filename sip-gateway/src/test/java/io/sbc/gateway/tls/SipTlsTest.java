package io.sbc.gateway.tls;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sbc.gateway.tls.TlsSettings.ClientAuth;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS settings that cannot work are refused at start, naming the setting and the file. */
class SipTlsTest {
  private static TestPki one;
  private static TestPki two;

  @BeforeAll
  static void certificates(@TempDir Path dir) throws Exception {
    one = TestPki.selfSigned(dir, "one", "ip:127.0.0.1");
    two = TestPki.selfSigned(dir, "two", "ip:127.0.0.1");
  }

  private static TlsSettings tls(Object cert, Object key, Object ca, ClientAuth clientAuth) {
    return new TlsSettings(5061, cert.toString(), key.toString(), ca.toString(), clientAuth, false, Duration.ofSeconds(5));
  }

  @Test
  void noCertificateMeansNoTls() {
    assertTrue(SipTls.load(TlsSettings.off(5061)).isEmpty());
  }

  @Test
  void aWorkingPairLoads() {
    assertTrue(SipTls.load(tls(one.certificate, one.privateKey, two.certificate, ClientAuth.OPTIONAL)).isPresent());
  }

  @Test
  void aMissingCertificateOrKeyFileIsNamed(@TempDir Path dir) {
    Path missing = dir.resolve("missing.pem");
    assertNamed(missing, () -> SipTls.load(tls(missing, one.privateKey, "", ClientAuth.NONE)));
    assertNamed(missing, () -> SipTls.load(tls(one.certificate, missing, "", ClientAuth.NONE)));
    assertNamed(missing, () -> SipTls.load(tls(one.certificate, one.privateKey, missing, ClientAuth.NONE)));
  }

  @Test
  void aFileThatHoldsNoPemIsNamed(@TempDir Path dir) throws Exception {
    Path junk = Files.writeString(dir.resolve("junk.pem"), "not PEM at all");
    assertNamed(junk, () -> SipTls.load(tls(junk, one.privateKey, "", ClientAuth.NONE)));
    assertNamed(junk, () -> SipTls.load(tls(one.certificate, junk, "", ClientAuth.NONE)));
  }

  @Test
  void aKeyOfAnotherCertificateIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SipTls.load(tls(one.certificate, two.privateKey, "", ClientAuth.NONE)));
    assertTrue(e.getMessage().contains("does not go with") && e.getMessage().contains(two.privateKey.toString()),
        e.getMessage());
  }

  @Test
  void halfAConfigurationIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> tls(one.certificate, "", "", ClientAuth.NONE));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> tls(one.certificate, one.privateKey, "", ClientAuth.REQUIRE));
    assertTrue(e.getMessage().contains("needs sbc.sip.tls.ca"), e.getMessage());
  }

  private static void assertNamed(Path file, Runnable load) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, load::run);
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }
}
