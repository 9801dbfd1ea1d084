package io.sbc.node.interop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import io.sbc.node.dialog.SipFields;
import io.sbc.protocol.DecodeResult;
import io.sbc.protocol.SipCodec;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which identity headers cross, per trust of both sides and privacy (the table of {@link IdentityHeaders}). */
class IdentityHeadersTest {
  private static SIPRequest invite(String headers) {
    String text = "INVITE sip:+4930123@sbc.example;user=phone SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\nMax-Forwards: 70\r\n"
        + "From: \"Alice\" <sip:+4940111@carrier.example;user=phone>;tag=1\r\nTo: <sip:+4930123@sbc.example;user=phone>\r\n"
        + "Call-ID: c1\r\nCSeq: 1 INVITE\r\nContact: <sip:a@192.0.2.1>\r\n" + headers + "Content-Length: 0\r\n\r\n";
    return (SIPRequest) ((DecodeResult.Decoded) SipCodec.decode(text.getBytes(StandardCharsets.UTF_8))).message();
  }

  private static final String ALL = "P-Asserted-Identity: <sip:+4940111@carrier.example;user=phone>, <tel:+4940111>\r\n"
      + "P-Preferred-Identity: <sip:alice@carrier.example>\r\n"
      + "Identity: eyJhbGciOiJFUzI1NiJ9.eyJvcmlnIjp7fX0.c2ln;info=<https://cert.example/c.pem>;alg=ES256;ppt=shaken\r\n"
      + "Date: Thu, 04 Dec 2026 18:00:00 GMT\r\n"
      + "Diversion: <sip:+4930999@carrier.example>;reason=unconditional;counter=1\r\n"
      + "History-Info: <sip:+4930999@carrier.example>;index=1, <sip:+4930123@sbc.example>;index=1.1\r\n"
      + "Resource-Priority: wps.3, dsn.flash\r\nSubject: hello\r\n";

  private static SIPMessage relayed(String headers, boolean fromTrusted, boolean toTrusted) {
    SIPRequest source = invite(headers);
    SIPRequest out = invite("Subject: hello\r\n"); // as the fixed end-to-end set left it
    for (String h : List.of("P-Asserted-Identity", "P-Preferred-Identity", "Identity", "Date", "Diversion",
        "History-Info", "Resource-Priority", "Privacy")) {
      out.removeHeader(h);
    }
    IdentityHeaders.relay(source, out, fromTrusted, toTrusted);
    return out;
  }

  @Test
  void betweenTrustedPeersEverythingCrosses() {
    SIPMessage out = relayed(ALL, true, true);
    assertEquals("<sip:+4940111@carrier.example;user=phone>,<tel:+4940111>",
        String.join(",", SipFields.headerValues(out, "P-Asserted-Identity")).replace(" ", ""));
    assertNotNull(out.getHeader("P-Preferred-Identity"));
    assertTrue(SipFields.headerValues(out, "Identity").get(0).startsWith("eyJhbGciOiJFUzI1NiJ9."));
    assertNotNull(out.getHeader("Date"), "the Identity's iat is checked against Date");
    assertNotNull(out.getHeader("Diversion"));
    assertNotNull(out.getHeader("History-Info"));
    assertEquals(List.of("wps.3, dsn.flash"), SipFields.headerValues(out, "Resource-Priority"));
  }

  @Test
  void anUntrustedPeerAssertsNothing() {
    SIPMessage out = relayed(ALL, false, true);
    assertNull(out.getHeader("P-Asserted-Identity"));
    assertNull(out.getHeader("P-Preferred-Identity"));
    assertNull(out.getHeader("Diversion"));
    assertNull(out.getHeader("History-Info"));
    assertNull(out.getHeader("Resource-Priority"));
    assertNotNull(out.getHeader("Identity"), "a PASSporT is verified by its recipient, whoever relays it");
  }

  @Test
  void towardsAnUntrustedPeerWithoutPrivacyTheIdentityGoes() {
    SIPMessage out = relayed(ALL, true, false);
    assertNotNull(out.getHeader("P-Asserted-Identity"));
    assertNotNull(out.getHeader("History-Info"));
    assertEquals("hello", SipFields.headerValues(out, "Subject").get(0));
  }

  @Test
  void privacyIdHidesTheAssertedIdentityFromUntrustedPeersOnly() {
    assertNull(relayed(ALL + "Privacy: id\r\n", true, false).getHeader("P-Asserted-Identity"));
    assertNotNull(relayed(ALL + "Privacy: id\r\n", true, true).getHeader("P-Asserted-Identity"));
    assertEquals(List.of("id"), SipFields.headerValues(relayed(ALL + "Privacy: id\r\n", true, false), "Privacy"));
  }

  @Test
  void headerPrivacyRemovesWhatRevealsTheUser() {
    SIPMessage out = relayed(ALL + "Privacy: header;id\r\n", true, false);
    assertNull(out.getHeader("Subject"));
    assertNull(out.getHeader("History-Info"));
    assertNull(out.getHeader("Diversion"));
    assertNull(out.getHeader("P-Asserted-Identity"));
    assertNotNull(out.getHeader("Privacy"));
  }

  @Test
  void historyPrivacyAndPrivateDiversions() {
    SIPMessage out = relayed(ALL.replace("counter=1", "counter=1;privacy=full") + "Privacy: history\r\n", true, false);
    assertNull(out.getHeader("History-Info"));
    assertNull(out.getHeader("Diversion"), "privacy=full stays in the trusted network");
    assertNotNull(relayed(ALL.replace("counter=1", "counter=1;privacy=off"), true, false).getHeader("Diversion"));
  }

  @Test
  void privacyValues() {
    Privacy p = Privacy.of(invite("Privacy: user;critical\r\n"));
    assertTrue(p.anonymousFrom());
    assertTrue(!p.id() && !p.header() && !p.criticalSession());
    assertTrue(Privacy.of(invite("Privacy: session;critical\r\n")).criticalSession());
    assertTrue(Privacy.of(invite("Privacy: foo\r\n")).values().contains("foo"), "unknown values are kept and ignored");
    assertEquals(Privacy.NONE, Privacy.of(invite("")));
  }
}
