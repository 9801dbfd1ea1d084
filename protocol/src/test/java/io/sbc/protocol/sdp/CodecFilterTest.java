package io.sbc.protocol.sdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

class CodecFilterTest {
  private static final String HEAD =
      "v=0\r\no=alice 2890844526 2 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n";
  private static final String OFFER = HEAD
      + "m=audio 49170 RTP/AVP 8 0 18 101\r\n"
      + "a=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:18 G729/8000\r\na=fmtp:18 annexb=no\r\n"
      + "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=sendrecv\r\n";

  @Test
  void keepsOnlyTheSetupCodecAndItsTelephoneEvent() throws Exception {
    Optional<String> out = CodecFilter.restrict(OFFER, List.of(Set.of("PCMU", "TELEPHONE-EVENT")));
    assertTrue(out.isPresent());
    MediaSummary s = MediaSummary.parse(out.get());
    assertEquals(Set.of("PCMU", "TELEPHONE-EVENT"), s.streams().get(0).codecs());
    assertTrue(out.get().contains("m=audio 49170 RTP/AVP 0 101"), out.get());
    assertFalse(out.get().contains("G729"), "rtpmap of a removed codec is gone");
    assertFalse(out.get().contains("annexb"), "fmtp of a removed codec is gone");
    assertTrue(out.get().contains("a=fmtp:101 0-16"), "telephone-event keeps its fmtp");
    assertEquals(2, s.originVersion(), "the origin line is untouched");
  }

  @Test
  void noSetupCodecLeftMeansNoOffer() throws Exception {
    assertTrue(CodecFilter.restrict(OFFER, List.of(Set.of("G722"))).isEmpty());
    String video = OFFER + "m=video 49172 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n";
    assertTrue(CodecFilter.restrict(video, List.of(Set.of("PCMU"))).isEmpty(),
        "a stream that did not exist at setup has no codec to keep");
    String t38 = HEAD + "m=image 49170 udptl t38\r\n";
    assertTrue(CodecFilter.restrict(t38, List.of(Set.of("PCMU"))).isEmpty());
  }

  @Test
  void disabledStreamsPassUnchanged() throws Exception {
    String offer = OFFER + "m=video 0 RTP/AVP 96\r\n";
    Optional<String> out = CodecFilter.restrict(offer, List.of(Set.of("PCMA")));
    assertTrue(out.isPresent());
    assertEquals(2, MediaSummary.parse(out.get()).streams().size());
    assertEquals(Set.of("PCMA"), MediaSummary.parse(out.get()).streams().get(0).codecs());
  }

  @Test
  void negotiatedCodecsAreThoseOfTheAnswerThatTheOfferHad() {
    String answer = HEAD + "m=audio 7000 RTP/AVP 0 8 9 101\r\na=rtpmap:101 telephone-event/8000\r\n";
    assertEquals(List.of(Set.of("PCMU", "PCMA", "TELEPHONE-EVENT")), CodecFilter.negotiated(OFFER, answer));
    assertEquals(List.of(Set.of("PCMA", "PCMU", "G729", "TELEPHONE-EVENT")), CodecFilter.negotiated(OFFER, ""),
        "the offer alone when nothing was answered");
    assertEquals(List.of(), CodecFilter.negotiated("not sdp", answer), "unusable SDP: nothing to keep");
  }
}
