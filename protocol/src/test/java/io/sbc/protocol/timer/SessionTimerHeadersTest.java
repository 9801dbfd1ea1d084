package io.sbc.protocol.timer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gov.nist.javax.sip.message.SIPMessage;
import io.sbc.protocol.DecodeResult;
import io.sbc.protocol.SipCodec;
import io.sbc.protocol.timer.SessionTimerHeaders.Role;
import io.sbc.protocol.timer.SessionTimerHeaders.SessionExpires;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SessionTimerHeadersTest {
  private static SIPMessage parse(String extra) {
    String msg = "INVITE sip:bob@example.com SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK776asdhds\r\n"
        + "Max-Forwards: 70\r\nTo: <sip:bob@example.com>\r\nFrom: <sip:alice@example.com>;tag=1928301774\r\n"
        + "Call-ID: a84b4c76e66710\r\nCSeq: 314159 INVITE\r\nContact: <sip:alice@192.0.2.1>\r\n"
        + extra + "Content-Length: 0\r\n\r\n";
    DecodeResult r = SipCodec.decode(msg.getBytes(StandardCharsets.UTF_8));
    return ((DecodeResult.Decoded) r).message();
  }

  @Test
  void readsSessionExpiresMinSeAndOptionTags() {
    SIPMessage m = parse("Session-Expires: 1800;refresher=uas\r\nMin-SE: 90\r\nSupported: 100rel, timer\r\n"
        + "Allow: INVITE, ACK, UPDATE\r\n");
    assertEquals(Optional.of(new SessionExpires(1800, Optional.of(Role.UAS))), SessionTimerHeaders.sessionExpires(m));
    assertEquals(Optional.of(90L), SessionTimerHeaders.minSe(m));
    assertTrue(SessionTimerHeaders.supportsTimer(m));
    assertTrue(SessionTimerHeaders.allows(m, "UPDATE"));
    assertFalse(SessionTimerHeaders.allows(m, "PRACK"));
  }

  @Test
  void compactFormAndAbsentParameters() {
    SIPMessage m = parse("x: 600\r\nk: timer\r\n");
    assertEquals(Optional.of(new SessionExpires(600, Optional.empty())), SessionTimerHeaders.sessionExpires(m));
    assertTrue(SessionTimerHeaders.supportsTimer(m));
    SIPMessage none = parse("");
    assertTrue(SessionTimerHeaders.sessionExpires(none).isEmpty());
    assertFalse(SessionTimerHeaders.supportsTimer(none));
    assertEquals("600;refresher=uac", new SessionExpires(600, Optional.of(Role.UAC)).headerValue());
  }

  @Test
  void deadlinesFollowRfc4028Section10() {
    assertEquals(1_768_000, SessionTimerHeaders.expiryDelayMillis(1800), "1800 s minus 32 s");
    assertEquals(60_000, SessionTimerHeaders.expiryDelayMillis(90), "90 s minus a third");
    assertEquals(900_000, SessionTimerHeaders.refreshDelayMillis(1800));
  }
}
