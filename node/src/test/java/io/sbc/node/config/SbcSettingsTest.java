package io.sbc.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sbc.node.policy.MidcallPolicy;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SbcSettingsTest {
  private static Config with(String overrides) {
    return ConfigFactory.parseString(overrides).withFallback(ConfigFactory.defaultReference()).resolve();
  }

  @Test
  void defaultsParse() {
    SbcSettings s = SbcSettings.create(with(""));
    assertEquals(Duration.ZERO, s.admission().maxProcessingLag());
    assertEquals(Duration.ofMinutes(5), s.journalCleanup().keepEndedFor());
    assertEquals(Duration.ofSeconds(32), s.linger());
  }

  @Test
  void rolesAndJournalRetryAreReadAndValidated() {
    SbcSettings both = SbcSettings.create(with(""));
    assertEquals(java.util.Set.of("gateway", "call"), both.roles());
    assertEquals(true, both.gateway());
    SbcSettings callOnly = SbcSettings.create(with("sbc.roles = \" Call \""));
    assertEquals(java.util.Set.of("call"), callOnly.roles());
    assertEquals(false, callOnly.gateway());
    assertThrows(IllegalArgumentException.class, () -> SbcSettings.create(with("sbc.roles = \"gateway,proxy\"")));
    assertThrows(IllegalArgumentException.class, () -> SbcSettings.create(with("sbc.roles = \" , \"")));
    assertEquals(Duration.ofMillis(200), both.journalBackoff().min());
    assertThrows(IllegalArgumentException.class,
        () -> SbcSettings.create(with("sbc.journal-retry { min = 2s, max = 1s }")));
  }

  @Test
  void sipTransportSettingsDefaultToTlsOffAndTheRfcSizeThreshold() {
    SbcSettings s = SbcSettings.create(with(""));
    assertEquals(false, s.sip().tls().enabled(), "no certificate: no TLS");
    assertEquals(1300, s.sip().udpMtuThreshold());
    assertEquals("", s.sip().address().tlsHostPort());
    SbcSettings tls = SbcSettings.create(with("sbc.sip.tls { certificate = c.pem, private-key = k.pem, port = 5071 }"));
    assertEquals("127.0.0.1:5071", tls.sip().address().tlsHostPort());
    assertThrows(IllegalArgumentException.class,
        () -> SbcSettings.create(with("sbc.sip.tls { certificate = c.pem, private-key = k.pem, port = 5060 }")));
    assertThrows(IllegalArgumentException.class, () -> SbcSettings.create(with("sbc.sip.tls.certificate = c.pem")));
    assertThrows(IllegalArgumentException.class, () -> SbcSettings.create(with("sbc.sip.tls.client-auth = maybe")));
    assertThrows(RuntimeException.class, () -> SbcSettings.create(with("sbc.sip.udp-mtu-threshold = -1")));
  }

  @Test
  void journalRetentionShorterThanTheLingerIsRejectedAsConfiguration() {
    assertThrows(IllegalArgumentException.class,
        () -> SbcSettings.create(with("sbc.journal-cleanup.keep-ended-for = 10s")));
    assertThrows(IllegalArgumentException.class,
        () -> SbcSettings.create(with("sbc.journal-cleanup.interval = 0s")));
    assertThrows(IllegalArgumentException.class,
        () -> SbcSettings.create(with("sbc.sip.decode-queue = 0")));
  }

  @Test
  void midcallAndSessionTimerSettingsAreValidated() {
    SbcSettings s = SbcSettings.create(with(""));
    assertEquals(MidcallPolicy.PASSTHRU, s.midcallPolicy());
    assertEquals(Duration.ofSeconds(1800), s.configuredSessionTimer().sessionExpires());
    assertEquals(Duration.ofSeconds(90), s.configuredSessionTimer().minSe());
    assertEquals(Duration.ZERO, s.optionsPing());
    assertEquals(MidcallPolicy.PASSTHRU_MEDIA_CHANGE,
        SbcSettings.create(with("sbc.midcall.policy = passthru-media-change")).midcallPolicy());
    assertThrows(IllegalArgumentException.class, () -> SbcSettings.create(with("sbc.midcall.policy = relay-all")));
    assertThrows(IllegalArgumentException.class,
        () -> SbcSettings.create(with("sbc.session-timer { session-expires = 60s, min-se = 90s }")));
    assertThrows(IllegalArgumentException.class,
        () -> SbcSettings.create(with("sbc.session-timer.refresh-method = options")));
    assertThrows(IllegalArgumentException.class, () -> SbcSettings.create(with("sbc.options-ping = -1s")));
  }
}
