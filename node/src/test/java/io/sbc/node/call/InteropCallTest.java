package io.sbc.node.call;

import static io.sbc.node.call.CallHarness.A_SDP;
import static io.sbc.node.call.CallHarness.B_SDP;
import static io.sbc.node.call.CallHarness.body;
import static io.sbc.node.call.CallHarness.headerValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.node.dialog.SipFields;
import io.sbc.node.policy.MidcallPolicy;
import io.sbc.protocol.SipCodec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Carrier interop of one call entity driven with real SIP messages: numbers, identity and privacy,
 * challenges (relayed, and answered with a route's credentials), 503/3xx, Reason, multipart bodies.
 * The SIP peers are on 127.0.0.1: trusted by default, untrusted where the test says 10.0.0.0/8.
 */
class InteropCallTest {
  private static final String BASE = "pekko.actor.serialization-bindings { \"io.sbc.gateway.CborSerializable\" = jackson-cbor }\n"
      + "sbc.transaction { t1 = 5s, t2 = 10s }\n"
      + "sbc.session-timer.enabled = off\n"
      + "sbc.next-hop = \"sip:127.0.0.1:5070\"\n";
  private static final Config CONFIG = config("");
  private static final ActorTestKit KIT = ActorTestKit.create("interop-call-test", CONFIG);
  private static final String ALICE = "\"Alice\" <sip:alice@caller.example>";

  private static Config config(String more) {
    return ConfigFactory.parseString(BASE + more)
        .withFallback(PersistenceTestKitPlugin.config())
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
  }

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  @Test
  void aTelNumberAndATelFromSurviveOnTheBLeg() {
    CallHarness h = new CallHarness(KIT, CONFIG);
    SIPRequest toB = h.inviteText(h.aText("INVITE", "tel:+49-30-123456", "<tel:+4940111>", null, 1, "",
        "application/sdp", A_SDP));
    assertEquals("sip:+49-30-123456@127.0.0.1:5070;user=phone", toB.getRequestURI().toString());
    assertEquals("<tel:+49-30-123456>", toB.getTo().getAddress().toString().replace(" ", ""));
    assertEquals("tel:+4940111", toB.getFrom().getAddress().getURI().toString());
  }

  @Test
  void aNumberRoutesOnItsDigitsAndARouteMayKeepTel() {
    CallHarness h = new CallHarness(KIT, config("sbc.routes = [{ name = de, user-prefix = \"+4930\","
        + " next-hop = \"sip:127.0.0.1:5090\", request-uri = tel }]"));
    SIPRequest toB = h.inviteText(h.aText("INVITE", "sip:+49-30-123@sbc.example;user=phone",
        "<sip:+4940111@caller.example;user=phone>", null, 1, "", "application/sdp", A_SDP));
    assertEquals(5090, h.bInviteFlow.remotePort(), "routed over de");
    assertEquals("tel:+49-30-123", toB.getRequestURI().toString());
    assertTrue(toB.getFrom().getAddress().getURI().toString().endsWith(";user=phone"), toB.getFrom().toString());
  }

  @Test
  void aCallersRetryAfterAChallengeIsANewAttemptThatIsPersisted() throws Exception {
    CallHarness h = new CallHarness(KIT, CONFIG);
    SIPRequest first = h.inviteText(h.aText("INVITE", "sip:bob@sbc.example", ALICE, null, 1, "", "application/sdp", A_SDP));
    h.reply(first, 407, "Proxy-Authenticate: Digest realm=\"trunk.example\", nonce=\"n1\", qop=\"auth\"\r\n", null, h.fromB);
    assertEquals("ACK", ((SIPRequest) h.next()).getMethod(), "the SBC ACKs B's 407");
    SIPResponse challenge = (SIPResponse) h.next();
    assertEquals(407, challenge.getStatusCode());
    assertEquals("Digest realm=\"trunk.example\",nonce=\"n1\",qop=\"auth\"",
        headerValue(challenge, "Proxy-Authenticate").replace(", ", ","));
    String credentials = "Digest username=\"alice\", realm=\"trunk.example\", nonce=\"n1\", uri=\"sip:bob@sbc.example\","
        + " response=\"0123456789abcdef0123456789abcdef\", qop=auth, nc=00000001, cnonce=\"c\"";
    SIPRequest second = h.inviteText(h.aText("INVITE", "sip:bob@sbc.example", ALICE, null, 2,
        "Proxy-Authorization: " + credentials + "\r\n", "application/sdp", A_SDP));
    assertNotNull(second, "the retry is taken as a new attempt of the call");
    assertNotEquals(first.getCallId().getCallId(), second.getCallId().getCallId());
    assertEquals(credentials.replace(" ", ""), headerValue(second, "Proxy-Authorization").replace(" ", ""));
    h.answer("");
    h.kill(); // the node is lost: the established second attempt must come back from the journal
    h.spawn();
    h.fromA("BYE", "", null);
    List<SIPMessage> out = List.of(h.next(), h.next());
    assertTrue(out.stream().anyMatch(m -> m instanceof SIPResponse r && r.getStatusCode() == 200), out.toString());
    assertTrue(out.stream().anyMatch(m -> m instanceof SIPRequest r && r.getMethod().equals("BYE")
        && r.getCallId().getCallId().equals(second.getCallId().getCallId())), out.toString());
  }

  private static final String TRUNK = "sbc.routes = [{ name = trunk, user-prefix = \"+49\", next-hop = \"sip:127.0.0.1:5070\","
      + " auth { username = sbc, password-env = TRUNK_PW } }]";

  @Test
  void aRouteWithCredentialsAnswersTheTrunksChallengeAndNeverTwice() throws Exception {
    CallHarness h = new CallHarness(KIT, config(TRUNK), Map.of("TRUNK_PW", "s3cret")::get);
    SIPRequest first = h.inviteText(h.aText("INVITE", "sip:+4930123@sbc.example", ALICE, null, 1,
        "Proxy-Authorization: Digest username=\"alice\", realm=\"x\", nonce=\"y\", uri=\"sip:z\", response=\"0\"\r\n",
        "application/sdp", A_SDP));
    assertNull(first.getHeader("Proxy-Authorization"), "the caller's credentials are not for this trunk");
    h.reply(first, 401, "WWW-Authenticate: Digest realm=\"trunk.example\", nonce=\"abc\", qop=\"auth\", opaque=\"op\"\r\n",
        null, h.fromB);
    assertEquals("ACK", ((SIPRequest) h.next()).getMethod());
    SIPRequest again = (SIPRequest) h.next();
    assertEquals("INVITE", again.getMethod());
    assertEquals(first.getCallId().getCallId(), again.getCallId().getCallId());
    assertEquals(first.getFromTag(), again.getFromTag());
    assertEquals(2, again.getCSeq().getSeqNumber());
    assertNotEquals(first.getTopmostVia().getBranch(), again.getTopmostVia().getBranch());
    assertEquals(body(first), body(again));
    Map<String, String> auth = params(headerValue(again, "Authorization"));
    assertEquals("sbc", auth.get("username"));
    assertEquals(again.getRequestURI().toString(), auth.get("uri"));
    assertEquals("op", auth.get("opaque"));
    String ha1 = md5("sbc:trunk.example:s3cret");
    String ha2 = md5("INVITE:" + auth.get("uri"));
    assertEquals(md5(ha1 + ":abc:" + auth.get("nc") + ":" + auth.get("cnonce") + ":auth:" + ha2), auth.get("response"));
    h.nothingSent(Duration.ofMillis(300)); // the caller saw nothing of it

    h.reply(again, 401, "WWW-Authenticate: Digest realm=\"trunk.example\", nonce=\"def\", qop=\"auth\"\r\n", null, h.fromB);
    assertEquals("ACK", ((SIPRequest) h.next()).getMethod());
    SIPResponse refused = (SIPResponse) h.next();
    assertEquals(403, refused.getStatusCode(), "a second challenge is not answered: the caller gets the failure");
    assertNull(refused.getHeader("WWW-Authenticate"));
    assertTrue(headerValue(refused, "Warning").contains("401"), refused.toString());
    h.nothingSent(Duration.ofMillis(300));
  }

  @Test
  void aMissingPasswordLeavesTheChallengeUnanswered() throws Exception {
    CallHarness h = new CallHarness(KIT, config(TRUNK), Map.<String, String>of()::get);
    SIPRequest first = h.inviteText(h.aText("INVITE", "sip:+4930123@sbc.example", ALICE, null, 1, "", "application/sdp", A_SDP));
    h.reply(first, 407, "Proxy-Authenticate: Digest realm=\"trunk.example\", nonce=\"abc\"\r\n", null, h.fromB);
    assertEquals("ACK", ((SIPRequest) h.next()).getMethod());
    assertEquals(403, ((SIPResponse) h.next()).getStatusCode());
  }

  @Test
  void a503IsRelayedAs500AndA3xxWithItsContacts() throws Exception {
    CallHarness h = new CallHarness(KIT, CONFIG);
    SIPRequest toB = h.inviteText(h.aText("INVITE", "sip:bob@sbc.example", ALICE, null, 1, "", "application/sdp", A_SDP));
    h.reply(toB, 503, "Retry-After: 30\r\n", null, h.fromB);
    h.next(); // ACK to B
    SIPResponse toA = (SIPResponse) h.next();
    assertEquals(500, toA.getStatusCode());
    assertNull(toA.getHeader("Retry-After"), "the next hop's Retry-After is not the SBC's");
    assertTrue(headerValue(toA, "Warning").contains("next hop answered 503"), toA.toString());
    assertEquals(1, h.count("sbc_calls_failed", "status", "500"));

    CallHarness r = new CallHarness(KIT, CONFIG);
    SIPRequest toC = r.inviteText(r.aText("INVITE", "sip:carol@sbc.example", ALICE, null, 1, "", "application/sdp", A_SDP));
    r.reply(toC, 302, "Contact: <sip:carol@192.0.2.9:5060>;q=0.7, <sip:carol@192.0.2.10>\r\n", null, r.fromB);
    r.next();
    SIPResponse moved = (SIPResponse) r.next();
    assertEquals(302, moved.getStatusCode());
    assertEquals("<sip:carol@192.0.2.9:5060>;q=0.7,<sip:carol@192.0.2.10>",
        String.join(",", SipFields.headerValues(moved, "Contact")).replace(" ", ""));
  }

  @Test
  void theCallersCancelReasonReachesTheCallee() throws Exception {
    CallHarness h = new CallHarness(KIT, CONFIG);
    String invite = h.aText("INVITE", "sip:bob@sbc.example", ALICE, null, 1, "", "application/sdp", A_SDP);
    SIPRequest toB = h.inviteText(invite);
    h.reply(toB, 180, "", null, h.fromB);
    assertEquals(180, ((SIPResponse) h.next()).getStatusCode());
    String cancel = invite.substring(0, invite.indexOf("Contact:")).replace("INVITE sip:", "CANCEL sip:")
        .replace("1 INVITE", "1 CANCEL") + "Reason: SIP;cause=200;text=\"Call completed elsewhere\"\r\nContent-Length: 0\r\n\r\n";
    h.send(cancel.getBytes(StandardCharsets.UTF_8), h.fromA);
    SIPRequest toBCancel = null;
    for (int i = 0; i < 3 && toBCancel == null; i++) {
      if (h.next() instanceof SIPRequest r && r.getMethod().equals("CANCEL")) {
        toBCancel = r;
      }
    }
    assertNotNull(toBCancel);
    assertEquals("SIP;cause=200;text=\"Call completed elsewhere\"", headerValue(toBCancel, "Reason"));
  }

  @Test
  void aSipIMultipartBodyCrossesWholeAndItsSdpDrivesOfferAnswer() throws Exception {
    CallHarness h = new CallHarness(KIT, CONFIG);
    h.policy.set(MidcallPolicy.BLOCK);
    String isup = "\u0001\u0000\u0010\r\n\u0090\u00ff--b1\n\u0003";
    String multipart = "--b1\r\nContent-Type: application/sdp\r\n\r\n" + A_SDP + "\r\n--b1\r\n"
        + "Content-Type: application/isup;version=itu-t92+\r\nContent-Disposition: signal;handling=optional\r\n\r\n"
        + isup + "\r\n--b1--\r\n";
    SIPRequest toB = h.inviteText(h.aText("INVITE", "sip:bob@sbc.example", ALICE, null, 1, "",
        "multipart/mixed;boundary=b1", multipart));
    assertEquals("multipart/mixed;boundary=b1", SipFields.contentType(toB).replace(" ", ""));
    assertArrayEquals(multipart.getBytes(StandardCharsets.ISO_8859_1), toB.getRawContent(), "byte for byte, ISUP included");
    h.answer("");
    // the same offer again is a refresh, answered by the SBC with SDP alone
    h.send(h.aText("INVITE", "sip:bob@sbc.example", ALICE, h.aToTag, 2, "", "multipart/mixed;boundary=b1", multipart)
        .getBytes(StandardCharsets.ISO_8859_1), h.fromA);
    SIPResponse ok = (SIPResponse) h.next();
    assertEquals(200, ok.getStatusCode());
    assertEquals("application/sdp", SipFields.contentType(ok));
    assertEquals(B_SDP, body(ok));
    assertEquals(1, h.count("sbc_midcall_decisions", "policy", "block", "action", "answered-locally"));
  }

  @Test
  void towardsAnUntrustedNextHopTheCallerIsPrivateAndAnUntrustedCallerAssertsNothing() throws Exception {
    Config untrusted = config("sbc.trust.peers = [\"10.0.0.0/8\"]");
    CallHarness h = new CallHarness(KIT, untrusted);
    SIPRequest toB = h.inviteText(h.aText("INVITE", "sip:bob@sbc.example", ALICE, null, 1,
        "P-Asserted-Identity: <sip:alice@caller.example>\r\nPrivacy: user;id\r\nSubject: secret\r\n",
        "application/sdp", A_SDP));
    assertNull(toB.getHeader("P-Asserted-Identity"));
    assertEquals("\"Anonymous\" <sip:anonymous@anonymous.invalid>", toB.getFrom().getAddress().toString());
    assertEquals(List.of("user", "id"), SipFields.headerValues(toB, "Privacy"));
    assertEquals("secret", headerValue(toB, "Subject"), "header privacy was not asked for");

    CallHarness critical = new CallHarness(KIT, untrusted);
    assertNull(critical.inviteText(critical.aText("INVITE", "sip:bob@sbc.example", ALICE, null, 1,
        "Privacy: session;critical\r\n", "application/sdp", A_SDP)));
    assertEquals(500, critical.lastToA.getStatusCode(), "RFC 3323: a critical privacy the SBC cannot give");
  }

  @Test
  void theSbcsOwnByeSaysWhy() throws Exception {
    CallHarness h = new CallHarness(KIT, config("sbc.transaction { t1 = 50ms, t2 = 200ms }"));
    SIPRequest toB = h.inviteText(h.aText("INVITE", "sip:bob@sbc.example", ALICE, null, 1, "", "application/sdp", A_SDP));
    h.reply(toB, 200, "", B_SDP, h.fromB);
    // A never ACKs: after 64*T1 (3.2 s) the dialog is dead (RFC 3261 §13.3.1.4)
    List<SIPRequest> byes = new ArrayList<>();
    long end = System.currentTimeMillis() + 8000;
    while (byes.size() < 2 && System.currentTimeMillis() < end) {
      if (h.next(Duration.ofSeconds(8)) instanceof SIPRequest r && r.getMethod().equals("BYE")) {
        byes.add(r);
      }
    }
    assertEquals(2, byes.size());
    for (SIPRequest bye : byes) {
      assertEquals("SIP;cause=408;text=\"no ACK\"", headerValue(bye, "Reason"));
    }
  }

  private static Map<String, String> params(String authorization) {
    Map<String, String> out = new java.util.HashMap<>();
    for (String p : authorization.substring(authorization.indexOf(' ') + 1).split(",")) {
      String[] kv = p.trim().split("=", 2);
      out.put(kv[0].trim(), kv[1].trim().replace("\"", ""));
    }
    return out;
  }

  private static String md5(String s) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
  }
}
