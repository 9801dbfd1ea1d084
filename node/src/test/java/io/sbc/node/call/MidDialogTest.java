package io.sbc.node.call;

import static io.sbc.node.call.CallHarness.A_SDP;
import static io.sbc.node.call.CallHarness.B_SDP;
import static io.sbc.node.call.CallHarness.body;
import static io.sbc.node.call.CallHarness.headerValue;
import static io.sbc.node.call.CallHarness.sdp;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sbc.node.policy.MidcallPolicy;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.protocol.timer.SessionTimerHeaders;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The midcall-signaling policies, glare and RFC 4028 session timers of one call entity, driven
 * with real SIP messages. Session intervals are seconds here: expires 6 s, Min-SE 3 s, so a
 * leg's deadline is 4 s after its last refresh and the SBC refreshes after 3 s. T1 is long so
 * that no retransmission interleaves.
 */
class MidDialogTest {
  private static final Config CONFIG = ConfigFactory.parseString(
          "pekko.actor.serialization-bindings { \"io.sbc.gateway.CborSerializable\" = jackson-cbor }\n"
              + "sbc.transaction { t1 = 5s, t2 = 10s }\n"
              + "sbc.session-timer { session-expires = 6s, min-se = 3s }\n"
              + "sbc.next-hop = \"sip:127.0.0.1:5070\"")
      .withFallback(PersistenceTestKitPlugin.config())
      .withFallback(ConfigFactory.defaultReference())
      .resolve();
  private static final ActorTestKit KIT = ActorTestKit.create("mid-dialog-test", CONFIG);
  /** A and B both refresh their own legs (they support timers): the SBC only watches. */
  private static final String A_REFRESHES = "Supported: timer\r\nSession-Expires: 6;refresher=uac\r\n";
  private static final String B_REFRESHES = "Require: timer\r\nSession-Expires: 6;refresher=uas\r\nAllow: INVITE, ACK, BYE, UPDATE\r\n";
  private static final String VIDEO = sdp("alice 42", 2, "m=audio 6000 RTP/AVP 0 8 101\r\nm=video 6002 RTP/AVP 96\r\n");
  private static final String T38 = sdp("alice 42", 3, "m=image 6000 udptl t38\r\n");

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  private CallHarness established(MidcallPolicy policy) throws Exception {
    CallHarness h = new CallHarness(KIT, CONFIG);
    h.policy.set(policy);
    h.invite(A_REFRESHES);
    h.answer(B_REFRESHES);
    return h;
  }

  @Test
  void blockAnswersAnOfferlessRefreshWithTheCurrentSdpAndAbsorbsTheAck() throws Exception {
    CallHarness h = established(MidcallPolicy.BLOCK);
    h.fromA("INVITE", "Subject: refresh\r\n", null);
    SIPResponse ok = (SIPResponse) h.next();
    assertEquals(200, ok.getStatusCode());
    assertEquals(B_SDP, body(ok), "the offer is what A already has from the SBC");
    assertEquals("6;refresher=uac", headerValue(ok, "Session-Expires"));
    h.ackFromA(A_SDP);
    h.nothingSent(Duration.ofMillis(400)); // neither the re-INVITE nor the ACK reaches B
    assertEquals(1, h.count("sbc_midcall_decisions", "policy", "block", "action", "answered-locally"));
    assertEquals(1, h.count("sbc_sip_responses_generated", "status", "200"), "the local answer");
    assertEquals(1, h.count("sbc_session_legs_refreshed", "refresher", "peer"), "A's leg, refreshed by A");
  }

  @Test
  void blockRejectsAMediaChangeWith488AndAWarning() throws Exception {
    CallHarness h = established(MidcallPolicy.BLOCK);
    h.fromA("INVITE", "", VIDEO);
    SIPResponse rejected = (SIPResponse) h.next();
    assertEquals(488, rejected.getStatusCode());
    assertTrue(rejected.getHeader("Warning").toString().contains("304"), rejected.toString());
    h.ackFromA(null);
    h.nothingSent(Duration.ofMillis(300));
  }

  @Test
  void passthruMediaChangeAnswersAnUpdateRefreshLocallyButRelaysVideo() throws Exception {
    CallHarness h = established(MidcallPolicy.PASSTHRU_MEDIA_CHANGE);
    h.fromA("UPDATE", "", null);
    SIPResponse ok = (SIPResponse) h.next();
    assertEquals(200, ok.getStatusCode());
    assertEquals("", body(ok));
    h.nothingSent(Duration.ofMillis(300));

    h.fromA("INVITE", "", VIDEO);
    assertEquals(100, ((SIPResponse) h.next()).getStatusCode());
    SIPRequest toB = (SIPRequest) h.next();
    assertEquals("INVITE", toB.getMethod());
    assertEquals(h.bInvite.getCallId().getCallId(), toB.getCallId().getCallId());
    assertEquals(VIDEO, body(toB));
    assertTrue(toB.getHeader("Session-Expires").toString().contains("refresher=uas"),
        "B refreshes its own leg: " + toB.getHeader("Session-Expires"));
    h.reply(toB, 200, B_REFRESHES, sdp("bob 77", 2, "m=audio 7000 RTP/AVP 0\r\nm=video 7002 RTP/AVP 96\r\n"), h.fromB);
    SIPResponse toA = (SIPResponse) h.next();
    assertEquals(200, toA.getStatusCode());
    assertTrue(body(toA).contains("m=video 7002"));
  }

  @Test
  void noneRelaysT38ButRejectsVideo() throws Exception {
    CallHarness h = established(MidcallPolicy.NONE);
    h.fromA("INVITE", "", VIDEO);
    assertEquals(488, ((SIPResponse) h.next()).getStatusCode());
    h.ackFromA(null);
    h.fromA("INVITE", "", T38);
    assertEquals(100, ((SIPResponse) h.next()).getStatusCode());
    SIPRequest toB = (SIPRequest) h.next();
    assertEquals(T38, body(toB));
  }

  @Test
  void preserveCodecRestrictsACodecChangeToTheSetupCodec() throws Exception {
    CallHarness h = established(MidcallPolicy.PRESERVE_CODEC);
    h.fromA("INVITE", "", sdp("alice 42", 2, "m=audio 6000 RTP/AVP 18 0 101\r\na=rtpmap:101 telephone-event/8000\r\n"));
    assertEquals(100, ((SIPResponse) h.next()).getStatusCode());
    SIPRequest toB = (SIPRequest) h.next();
    assertTrue(body(toB).contains("m=audio 6000 RTP/AVP 0 101"), body(toB));
  }

  @Test
  void eachReInviteGetsThePolicyInForceWhenItArrives() throws Exception {
    CallHarness h = established(MidcallPolicy.PASSTHRU);
    h.fromA("UPDATE", "", null);
    assertEquals("UPDATE", ((SIPRequest) h.next()).getMethod(), "relayed under passthru");
    h.policy.set(MidcallPolicy.BLOCK); // changed at runtime, the call goes on
    h.fromA("INVITE", "", VIDEO);
    assertEquals(488, ((SIPResponse) h.next()).getStatusCode());
  }

  @Test
  void reInviteFromBWhileOneIsPendingTowardsBGets491() throws Exception {
    CallHarness h = established(MidcallPolicy.PASSTHRU);
    h.fromA("INVITE", "", VIDEO);
    assertEquals(100, ((SIPResponse) h.next()).getStatusCode());
    SIPRequest toB = (SIPRequest) h.next();
    h.fromB("INVITE", "", B_SDP);
    SIPResponse glare = (SIPResponse) h.next();
    assertEquals(491, glare.getStatusCode());
    assertEquals(h.bInvite.getCallId().getCallId(), glare.getCallId().getCallId());
    assertEquals(1, h.count("sbc_sip_responses_generated", "status", "491"));
    assertEquals(1, h.count("sbc_glare_rejected"));
    h.reply(toB, 200, "", B_SDP, h.fromB); // the first offer still completes
    assertEquals(200, ((SIPResponse) h.next()).getStatusCode());
  }

  @Test
  void aRequestedIntervalBelowMinSeGets422() {
    CallHarness h = new CallHarness(KIT, CONFIG);
    h.send(("INVITE sip:bob@sbc.example SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKx\r\n"
        + "Max-Forwards: 70\r\nFrom: <sip:alice@caller.example>;tag=a1\r\nTo: <sip:bob@sbc.example>\r\n"
        + "Call-ID: " + h.aCallId + "\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:5080>\r\n"
        + "Supported: timer\r\nSession-Expires: 2\r\nContent-Length: 0\r\n\r\n").getBytes(), h.fromA);
    SIPResponse r = (SIPResponse) h.next();
    assertEquals(422, r.getStatusCode());
    assertEquals(3L, SessionTimerHeaders.minSe(r).orElseThrow());
    assertEquals(1, h.count("sbc_sip_responses_generated", "status", "422"));
    h.nothingSent(Duration.ofMillis(300)); // nothing towards B
  }

  @Test
  void theBLegAsksAgainAfterA422() throws Exception {
    CallHarness h = new CallHarness(KIT, CONFIG);
    SIPRequest first = h.invite("");
    assertEquals("6", headerValue(first, "Session-Expires"));
    h.reply(first, 422, "Min-SE: 20", null, h.fromB);
    SIPMessage ack = h.next();
    assertEquals("ACK", ((SIPRequest) ack).getMethod());
    SIPRequest again = (SIPRequest) h.next();
    assertEquals("INVITE", again.getMethod());
    assertEquals("20", headerValue(again, "Session-Expires"));
    assertEquals(first.getCSeq().getSeqNumber() + 1, again.getCSeq().getSeqNumber());
    assertEquals(first.getCallId().getCallId(), again.getCallId().getCallId());
  }

  @Test
  void aSessionNobodyRefreshesEndsWithByeOnBothLegs() throws Exception {
    CallHarness h = established(MidcallPolicy.PASSTHRU);
    List<String> byes = byesWithin(h, Duration.ofSeconds(6));
    assertEquals(List.of("A", "B"), byes);
  }

  @Test
  void theSbcRefreshesALegWhosePeerHasNoTimerAndRetriesAfter491() throws Exception {
    // 18 s: refresh after 9 s, deadline after 12 s, so a §14.1 retry (0-2 s on A) fits.
    // A's 2xx to the refresh has no Session-Expires: only with refresh-peers-without-timer does
    // the SBC keep that leg alive (RFC 4028 §7.2), and count it refreshed.
    CallHarness h = new CallHarness(KIT, ConfigFactory.parseString(
        "sbc.session-timer { session-expires = 18s, refresh-peers-without-timer = on }").withFallback(CONFIG));
    h.invite(""); // A: no timer support, no Allow: the SBC refreshes A by re-INVITE
    h.answer("Require: timer\r\nSession-Expires: 60;refresher=uas\r\n");
    SIPRequest refresh = (SIPRequest) h.next(Duration.ofSeconds(12));
    assertEquals("INVITE", refresh.getMethod());
    assertEquals(h.aCallId, refresh.getCallId().getCallId());
    assertEquals(B_SDP, body(refresh), "the SBC's current SDP on A, unchanged version");
    assertEquals("18;refresher=uac", headerValue(refresh, "Session-Expires"));
    h.reply(refresh, 491, "", null, h.fromA);
    assertEquals("ACK", ((SIPRequest) h.next()).getMethod());
    SIPRequest retry = (SIPRequest) h.next(Duration.ofSeconds(3)); // §14.1: 0-2 s later on A
    assertEquals("INVITE", retry.getMethod());
    assertTrue(retry.getCSeq().getSeqNumber() > refresh.getCSeq().getSeqNumber());
    h.reply(retry, 200, "", A_SDP, h.fromA);
    assertEquals("ACK", ((SIPRequest) h.next()).getMethod());
    h.nothingSent(Duration.ofMillis(300)); // refreshed: no BYE
    assertEquals(2, h.count("sbc_session_refreshes_sent"), "the refresh and its retry");
    assertEquals(1, h.count("sbc_session_legs_refreshed", "refresher", "sbc"), "A's leg, refreshed by the SBC");
  }

  @Test
  void aRecoveredCallExpiresAtThePersistedDeadline() throws Exception {
    CallHarness h = established(MidcallPolicy.PASSTHRU);
    long establishedAt = System.currentTimeMillis();
    Thread.sleep(1500);
    h.stop();
    h.nothingSent(Duration.ofMillis(200));
    h.spawn();
    h.call.tell(new CallEntity.Wake());
    // A fresh timer would fire 4 s after the restart; the persisted one 4 s after establishment.
    List<String> byes = byesWithin(h, Duration.ofSeconds(5));
    long at = System.currentTimeMillis() - establishedAt;
    assertEquals(List.of("A", "B"), byes);
    assertTrue(at < 5_000, "BYEs " + at + " ms after establishment, expected the persisted 4 s deadline");
  }

  @Test
  void aRecoveredCallRefreshesALegTheSbcOwedARefreshInsteadOfExpiringIt() throws Exception {
    CallHarness h = new CallHarness(KIT, CONFIG);
    h.invite(""); // A: no timer support, no Allow: the SBC refreshes A by re-INVITE after 3 s
    h.answer("Require: timer\r\nSession-Expires: 60;refresher=uas\r\n");
    long establishedAt = System.currentTimeMillis();
    h.stop(); // the node dies before the refresh is due ...
    Thread.sleep(Math.max(0, 5_000 - (System.currentTimeMillis() - establishedAt))); // ... and past A's deadline (4 s)
    h.spawn();
    h.call.tell(new CallEntity.Wake());
    SIPRequest refresh = (SIPRequest) h.next(Duration.ofSeconds(2));
    assertEquals("INVITE", refresh.getMethod(), "the owed refresh, not a BYE");
    assertEquals(h.aCallId, refresh.getCallId().getCallId());
    h.reply(refresh, 200, "", A_SDP, h.fromA);
    assertEquals("ACK", ((SIPRequest) h.next()).getMethod());
    h.nothingSent(Duration.ofMillis(1500)); // refreshed: the call goes on
  }

  /** Collects the BYEs the call sends (by leg) until both came or the time is up. */
  private static List<String> byesWithin(CallHarness h, Duration limit) {
    List<String> legs = new ArrayList<>();
    long end = System.currentTimeMillis() + limit.toMillis();
    while (legs.size() < 2 && System.currentTimeMillis() < end) {
      SIPMessage m = h.next(Duration.ofMillis(Math.max(1, end - System.currentTimeMillis())));
      if (m instanceof SIPRequest r && r.getMethod().equals("BYE")) {
        legs.add(r.getCallId().getCallId().equals(h.aCallId) ? "A" : "B");
      }
    }
    legs.sort(null);
    return legs;
  }

  @Test
  void withoutTimersTheOptionsKeepAliveEndsACallWhosePeerForgotIt() throws Exception {
    Config config = ConfigFactory.parseString("sbc.session-timer.enabled = off\nsbc.options-ping = 1s").withFallback(CONFIG);
    CallHarness h = new CallHarness(KIT, config);
    SIPRequest toB = h.invite("");
    assertNull(toB.getHeader("Session-Expires"));
    h.answer("");
    SIPRequest ping1 = (SIPRequest) h.next(Duration.ofSeconds(3));
    SIPRequest ping2 = (SIPRequest) h.next(Duration.ofSeconds(3));
    assertEquals("OPTIONS", ping1.getMethod());
    assertEquals("OPTIONS", ping2.getMethod());
    SIPRequest pingB = ping1.getCallId().getCallId().equals(h.aCallId) ? ping2 : ping1;
    h.reply(pingB, 481, "", null, h.fromB);
    assertEquals(List.of("A", "B"), byesWithin(h, Duration.ofSeconds(3)));
  }
}
