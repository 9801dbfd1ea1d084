package io.sbc.node.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.sbc.node.config.SbcSettings;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedPeersTest {
  @Test
  void networksByPrefix() {
    TrustedPeers t = TrustedPeers.parse(List.of("10.0.0.0/8", "192.0.2.7", " 172.16.0.0/12 ", "2001:db8::/32"));
    assertTrue(t.contains("10.200.3.4"));
    assertFalse(t.contains("11.0.0.1"));
    assertTrue(t.contains("192.0.2.7"));
    assertFalse(t.contains("192.0.2.8"));
    assertTrue(t.contains("172.31.255.255"));
    assertFalse(t.contains("172.32.0.0"));
    assertTrue(t.contains("[2001:db8::1]"));
    assertFalse(t.contains("2001:db9::1"));
    assertTrue(t.contains("::ffff:10.1.2.3"), "an IPv4-mapped address is its IPv4 address");
  }

  @Test
  void namesAndGarbageAreNeverTrusted() {
    TrustedPeers all = TrustedPeers.parse(List.of("0.0.0.0/0"));
    assertTrue(all.contains("203.0.113.9"));
    assertFalse(all.contains("localhost"), "a host name is not looked up");
    assertFalse(all.contains("carrier.example"));
    assertFalse(all.contains(""));
    assertFalse(all.contains(null));
  }

  @Test
  void badEntriesAreNamed() {
    assertEquals("'carrier.example' is not an IP network (e.g. 10.0.0.0/8 or 2001:db8::/32)",
        assertThrows(IllegalArgumentException.class, () -> TrustedPeers.parse(List.of("carrier.example"))).getMessage());
    assertEquals("'10.0.0.0/33': prefix length must be 0-32",
        assertThrows(IllegalArgumentException.class, () -> TrustedPeers.parse(List.of("10.0.0.0/33"))).getMessage());
  }

  @Test
  void theSettingIsAListOrACommaSeparatedString() {
    var base = ConfigFactory.defaultReference();
    SbcSettings configured = SbcSettings.create(base);
    assertEquals(List.of("127.0.0.0/8"), configured.trustedPeers().networks(), "default: loopback");
    SbcSettings fromEnv = SbcSettings.create(ConfigFactory.parseString("sbc.trust.peers = \"10.0.0.0/8, 192.0.2.0/24\"")
        .withFallback(base).resolve());
    assertEquals(List.of("10.0.0.0/8", "192.0.2.0/24"), fromEnv.trustedPeers().networks());
    assertEquals("sbc.trust.peers: 'x' is not an IP network (e.g. 10.0.0.0/8 or 2001:db8::/32)",
        assertThrows(IllegalArgumentException.class, () -> SbcSettings.create(
            ConfigFactory.parseString("sbc.trust.peers = [x]").withFallback(base).resolve())).getMessage());
  }
}
