package io.sbc.node.http;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The management server's TLS settings refuse anything that would end in plaintext or an unclear error. */
class ManagementTlsTest {
  private static Config sbc(String cert, String key) {
    return ConfigFactory.parseString("http.tls { certificate = \"" + cert + "\", private-key = \"" + key + "\" }");
  }

  @Test
  void noCertificateAndNoKeyMeansPlainHttp() {
    assertTrue(ManagementTls.fromConfig(sbc("", "")).isEmpty());
  }

  @Test
  void aCertificateWithoutAKeyIsRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ManagementTls.fromConfig(sbc("/etc/sbc/cert.pem", "")));
    assertTrue(e.getMessage().contains("certificate and private-key go together"), e.getMessage());
  }

  @Test
  void aMissingFileIsNamed(@TempDir Path dir) {
    Path missing = dir.resolve("nope.pem");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ManagementTls.fromConfig(sbc(missing.toString(), missing.toString())));
    assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
  }

  @Test
  void aFileThatIsNoPemKeyIsNamed(@TempDir Path dir) throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    Files.writeString(cert, "not a certificate");
    Files.writeString(key, "not a key");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ManagementTls.fromConfig(sbc(cert.toString(), key.toString())));
    assertTrue(e.getMessage().contains(cert.toString()), e.getMessage());
  }
}
