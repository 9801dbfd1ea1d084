package io.sbc.node.midcall;

import static io.sbc.node.policy.MidcallPolicy.BLOCK;
import static io.sbc.node.policy.MidcallPolicy.NONE;
import static io.sbc.node.policy.MidcallPolicy.PASSTHRU;
import static io.sbc.node.policy.MidcallPolicy.PASSTHRU_MEDIA_CHANGE;
import static io.sbc.node.policy.MidcallPolicy.PRESERVE_CODEC;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sbc.node.policy.MidcallPolicy;
import io.sbc.node.midcall.MidcallRules.Action;
import io.sbc.node.midcall.MidcallRules.AnswerLocally;
import io.sbc.node.midcall.MidcallRules.Reject;
import io.sbc.node.midcall.MidcallRules.Relay;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** One test per decision rule of the five midcall-signaling policies. */
class MidcallRulesTest {
  private static String sdp(int version, String media) {
    return "v=0\r\no=alice 42 " + version + " IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n" + media;
  }

  private static final String AUDIO = "m=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n";
  private static final String CURRENT = sdp(1, AUDIO);
  private static final String SAME = CURRENT;
  private static final String VIDEO = sdp(2, AUDIO + "m=video 4002 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n");
  private static final String T38 = sdp(3, "m=image 4000 udptl t38\r\n");
  private static final String HOLD = sdp(2, AUDIO + "a=sendonly\r\n");
  private static final String CODEC_CHANGE = sdp(2, "m=audio 4000 RTP/AVP 18 0 101\r\na=rtpmap:101 telephone-event/8000\r\n");
  private static final String TOWARDS_B = sdp(7, "m=audio 4000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n");
  private static final List<Set<String>> SETUP = List.of(Set.of("PCMU", "TELEPHONE-EVENT"));

  private static Action decide(MidcallPolicy p, String offer) {
    return MidcallRules.decide(p, offer, CURRENT, TOWARDS_B, SETUP).action();
  }

  private static void relayed(Action a) {
    assertEquals(new Relay(Optional.empty()), a);
  }

  private static void local(Action a) {
    assertEquals(new AnswerLocally(), a);
  }

  private static void rejected(Action a) {
    assertTrue(a instanceof Reject, "expected 488, got " + a);
  }

  @Test
  void passthruRelaysEverything() {
    for (String offer : List.of("", SAME, VIDEO, T38, HOLD, CODEC_CHANGE)) {
      relayed(decide(PASSTHRU, offer));
    }
  }

  @Test
  void passthruMediaChangeAnswersRefreshesAndRelaysMediaChanges() {
    local(decide(PASSTHRU_MEDIA_CHANGE, ""));
    local(decide(PASSTHRU_MEDIA_CHANGE, SAME));
    local(decide(PASSTHRU_MEDIA_CHANGE, sdp(2, AUDIO)));  // new version, same media
    for (String offer : List.of(VIDEO, T38, HOLD, CODEC_CHANGE)) {
      relayed(decide(PASSTHRU_MEDIA_CHANGE, offer));
    }
  }

  @Test
  void blockAnswersRefreshesAndRejectsMediaChanges() {
    local(decide(BLOCK, ""));
    local(decide(BLOCK, SAME));
    for (String offer : List.of(VIDEO, T38, HOLD, CODEC_CHANGE)) {
      Action a = decide(BLOCK, offer);
      rejected(a);
      assertEquals(304, ((Reject) a).warnCode());
    }
  }

  @Test
  void preserveCodecRelaysRestrictedOffersAndRejectsWhatHasNoSetupCodec() {
    relayed(decide(PRESERVE_CODEC, ""));
    Action refresh = decide(PRESERVE_CODEC, SAME);
    assertEquals(new Relay(Optional.of(TOWARDS_B)), refresh, "a refresh gets what B already has");
    Action change = decide(PRESERVE_CODEC, CODEC_CHANGE);
    assertTrue(change instanceof Relay r && r.body().isPresent() && !r.body().get().contains(" 18 "),
        "G.729 is stripped: " + change);
    Action hold = decide(PRESERVE_CODEC, HOLD);
    assertTrue(hold instanceof Relay r && r.body().orElseThrow().contains("a=sendonly"), "hold keeps its direction");
    rejected(decide(PRESERVE_CODEC, VIDEO));
    rejected(decide(PRESERVE_CODEC, T38));
    Action onlyG729 = decide(PRESERVE_CODEC, sdp(2, "m=audio 4000 RTP/AVP 18\r\n"));
    assertEquals(305, ((Reject) onlyG729).warnCode());
  }

  @Test
  void noneAnswersRefreshesRelaysFaxAndRejectsOtherMediaChanges() {
    local(decide(NONE, ""));
    local(decide(NONE, SAME));
    relayed(decide(NONE, T38));
    relayed(MidcallRules.decide(NONE, sdp(4, AUDIO), T38, TOWARDS_B, SETUP).action()); // back to audio after fax
    rejected(decide(NONE, VIDEO));
    rejected(decide(NONE, HOLD));
    rejected(decide(NONE, CODEC_CHANGE));
  }

  @Test
  void unusableOffersAreRejectedExceptWhereRelayedTransparently() {
    String garbage = "this is not SDP";
    relayed(decide(PASSTHRU, garbage));
    relayed(decide(PASSTHRU_MEDIA_CHANGE, garbage));
    Action a = decide(BLOCK, garbage);
    rejected(a);
    assertEquals(399, ((Reject) a).warnCode());
    rejected(decide(NONE, garbage));
    rejected(decide(PRESERVE_CODEC, garbage));
  }

  @Test
  void anUnknownCurrentDescriptionMakesEveryOfferAMediaChange() {
    rejected(MidcallRules.decide(BLOCK, SAME, "", "", SETUP).action());
  }

  @Test
  void policyKeywordsFollowCube() {
    assertEquals(PASSTHRU_MEDIA_CHANGE, MidcallPolicy.parse("passthru-media-change"));
    assertEquals(PRESERVE_CODEC, MidcallPolicy.parse(" Preserve_Codec "));
    assertEquals("passthru-media-change", PASSTHRU_MEDIA_CHANGE.keyword());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> MidcallPolicy.parse("relay"));
    assertTrue(e.getMessage().contains("passthru, passthru-media-change, block, preserve-codec, none"), e.getMessage());
  }
}
