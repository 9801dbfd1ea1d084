package io.sbc.gateway.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.List;
import org.apache.pekko.pki.pem.DERPrivateKeyLoader;
import org.apache.pekko.pki.pem.PEMDecoder;

/**
 * Certificates and private keys from PEM files (PEM decoding by Pekko's loader), for the SIP TLS transport and the node's management HTTPS alike. A file that is
 * missing, unreadable or holds nothing usable is an {@link IllegalArgumentException} that names
 * the setting and the file: the node reports it and stops rather than run without the TLS it was
 * told to use.
 */
public final class PemFiles {
  private static final List<String> PKCS8_ALGORITHMS = List.of("RSA", "EC", "EdDSA");

  private PemFiles() {}

  /** Every certificate in {@code file} (a chain, or a CA bundle), in file order; at least one. */
  public static X509Certificate[] certificates(Path file, String setting) {
    try (InputStream in = Files.newInputStream(file)) {
      X509Certificate[] certs = CertificateFactory.getInstance("X.509").generateCertificates(in).stream()
          .map(X509Certificate.class::cast)
          .toArray(X509Certificate[]::new);
      if (certs.length == 0) {
        throw new IllegalArgumentException(setting + ": no certificate in " + file);
      }
      return certs;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException(setting + ": cannot read a PEM certificate from " + file + ": " + e, e);
    }
  }

  /**
   * The private key in {@code file}: PKCS#8 ({@code PRIVATE KEY}) of an RSA, EC or EdDSA key, or
   * PKCS#1 ({@code RSA PRIVATE KEY}). Pekko's loader reads PKCS#8 as RSA only, so PKCS#8 is
   * handed to the JDK's key factories here (the key names its algorithm inside; the one that
   * accepts it wins).
   */
  public static PrivateKey privateKey(Path file, String setting) {
    try {
      PEMDecoder.DERData der = PEMDecoder.decode(Files.readString(file, StandardCharsets.US_ASCII));
      if (!der.label().equals("PRIVATE KEY")) {
        return DERPrivateKeyLoader.load(der);
      }
      PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der.bytes());
      for (String algorithm : PKCS8_ALGORITHMS) {
        try {
          return KeyFactory.getInstance(algorithm).generatePrivate(spec);
        } catch (InvalidKeySpecException notThisOne) {
          // try the next algorithm
        }
      }
      throw new IllegalArgumentException("a PKCS#8 key of none of " + PKCS8_ALGORITHMS);
    } catch (Exception e) { // the Scala loader throws checked exceptions it does not declare
      throw new IllegalArgumentException(setting + ": cannot read a PEM private key from " + file + ": " + e, e);
    }
  }

  /**
   * Checks that {@code key} is the private key of {@code cert}'s public key, by signing a few
   * bytes and verifying them: a mismatch would otherwise only show as every handshake failing.
   */
  public static void checkPair(PrivateKey key, X509Certificate cert, Path keyFile, Path certFile, String setting) {
    String algorithm = switch (key.getAlgorithm()) {
      case "RSA" -> "SHA256withRSA";
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "EdDSA" -> "Ed25519";
      default -> null; // another kind of key: the handshake will tell
    };
    if (algorithm == null) {
      return;
    }
    byte[] probe = "sbc key check".getBytes(StandardCharsets.US_ASCII);
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(probe);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(cert.getPublicKey());
      verifier.update(probe);
      if (verifier.verify(signature)) {
        return;
      }
    } catch (GeneralSecurityException e) {
      // falls through: a key that cannot sign for this certificate does not go with it
    }
    throw new IllegalArgumentException(setting + ": the private key in " + keyFile
        + " does not go with the certificate in " + certFile);
  }
}
