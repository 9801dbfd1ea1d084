package io.sbc.protocol;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The stateless rule that lets any node route any message of any call to its entity.
 *
 * <p>A Call-ID that the SBC issued for a B-leg has the form {@code sbc-<entityId>-<leg>-<mac>},
 * where the MAC is an HMAC-SHA256 over {@code <entityId>-<leg>} keyed by the cluster secret; the
 * entity id is read back from it. Any other Call-ID belongs to an A-leg and its entity id is a
 * hash of the Call-ID itself. The MAC stops a caller from steering its messages into another
 * call's entity by forging our format. Thread-safe: a {@link Mac} is created per call because
 * {@code Mac} instances are not.
 */
public final class CallIds {
  private static final String PREFIX = "sbc-";
  private static final int ENTITY_ID_HEX = 32;
  private static final int MAC_HEX = 16;
  private static final HexFormat HEX = HexFormat.of();

  private final SecretKeySpec key;

  public CallIds(String clusterSecret) {
    if (clusterSecret == null || clusterSecret.isEmpty()) {
      throw new IllegalArgumentException("cluster secret must not be empty");
    }
    this.key = new SecretKeySpec(clusterSecret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
  }

  /** Entity id for any Call-ID: the one embedded in an SBC-issued Call-ID, else a hash. */
  public String entityIdOf(String callId) {
    return issuedEntityId(callId).orElseGet(() -> hashOf(callId));
  }

  /** The Call-ID the SBC uses on outgoing leg number {@code leg} of the given entity. */
  public String issue(String entityId, int leg) {
    String payload = entityId + "-" + leg;
    return PREFIX + payload + "-" + mac(payload);
  }

  /** The entity id inside a Call-ID this cluster issued, if the MAC checks out. */
  public Optional<String> issuedEntityId(String callId) {
    if (callId == null || !callId.startsWith(PREFIX)) {
      return Optional.empty();
    }
    int macDash = callId.lastIndexOf('-');
    if (macDash <= PREFIX.length() || callId.length() - macDash - 1 != MAC_HEX) {
      return Optional.empty();
    }
    String payload = callId.substring(PREFIX.length(), macDash);
    int legDash = payload.lastIndexOf('-');
    if (legDash != ENTITY_ID_HEX) {
      return Optional.empty();
    }
    String expected = mac(payload);
    boolean valid =
        MessageDigest.isEqual(
            expected.getBytes(StandardCharsets.US_ASCII),
            callId.substring(macDash + 1).getBytes(StandardCharsets.US_ASCII));
    return valid ? Optional.of(payload.substring(0, legDash)) : Optional.empty();
  }

  /** 128 bits of SHA-256: collision-free in practice, and reveals nothing of the Call-ID. */
  static String hashOf(String callId) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(callId.getBytes(StandardCharsets.UTF_8));
      return HEX.formatHex(digest, 0, ENTITY_ID_HEX / 2);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }

  private String mac(String payload) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(key);
      byte[] out = mac.doFinal(payload.getBytes(StandardCharsets.UTF_8));
      return HEX.formatHex(out, 0, MAC_HEX / 2);
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("HmacSHA256 unavailable", e);
    }
  }
}
