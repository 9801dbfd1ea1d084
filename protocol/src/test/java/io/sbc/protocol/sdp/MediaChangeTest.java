package io.sbc.protocol.sdp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sbc.protocol.sdp.MediaChange.Kind;
import java.text.ParseException;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class MediaChangeTest {
  private static String sdp(long version, String connection, String media) {
    return "v=0\r\n"
        + "o=alice 2890844526 " + version + " IN IP4 192.0.2.10\r\n"
        + "s=-\r\n"
        + "c=IN IP4 " + connection + "\r\n"
        + "t=0 0\r\n"
        + media;
  }

  private static final String AUDIO =
      "m=audio 49170 RTP/AVP 0 8 101\r\n"
          + "a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";
  private static final String CURRENT = sdp(1, "192.0.2.10", AUDIO);

  private static EnumSet<Kind> kinds(String offer) throws ParseException {
    MediaChange change = MediaChange.between(MediaSummary.parse(CURRENT), MediaSummary.parse(offer));
    return change.kinds().isEmpty() ? EnumSet.noneOf(Kind.class) : EnumSet.copyOf(change.kinds());
  }

  @Test
  void sameVersionOrSameMediaIsARefresh() throws Exception {
    assertTrue(kinds(CURRENT).isEmpty());
    assertTrue(kinds(sdp(2, "192.0.2.10", AUDIO)).isEmpty(), "new version, same media: still a refresh");
    String reordered = "m=audio 49170 RTP/AVP 8 0 101\r\n"
        + "a=rtpmap:8 PCMA/8000\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n";
    assertTrue(kinds(sdp(2, "192.0.2.10", reordered)).isEmpty(), "codec order and default direction do not matter");
  }

  @Test
  void addingVideoIsAStreamAdded() throws Exception {
    String offer = sdp(2, "192.0.2.10", AUDIO + "m=video 51372 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n");
    assertEquals(EnumSet.of(Kind.STREAM_ADDED), kinds(offer));
    List<MediaSummary.Stream> added = MediaChange.added(MediaSummary.parse(CURRENT), MediaSummary.parse(offer));
    assertEquals("video", added.get(0).type());
    assertEquals(java.util.Set.of("H264"), added.get(0).codecs());
  }

  @Test
  void switchingToT38IsAMediaTypeChangeAndRecognisedAsFax() throws Exception {
    String offer = sdp(2, "192.0.2.10", "m=image 49172 udptl t38\r\na=T38FaxVersion:0\r\n");
    assertTrue(kinds(offer).contains(Kind.MEDIA_TYPE));
    assertTrue(MediaSummary.parse(offer).streams().get(0).isT38());
    assertTrue(!MediaSummary.parse(CURRENT).streams().get(0).isT38());
  }

  @Test
  void holdByDirectionOrByNullAddressIsDetected() throws Exception {
    assertEquals(EnumSet.of(Kind.DIRECTION), kinds(sdp(2, "192.0.2.10", AUDIO.replace("a=sendrecv", "a=sendonly"))));
    assertEquals(EnumSet.of(Kind.CONNECTION), kinds(sdp(2, "0.0.0.0", AUDIO)), "RFC 2543 style hold");
  }

  @Test
  void codecPortAndDisablingChangesAreDetected() throws Exception {
    assertEquals(EnumSet.of(Kind.CODECS), kinds(sdp(2, "192.0.2.10", "m=audio 49170 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\na=sendrecv\r\n")));
    assertEquals(EnumSet.of(Kind.CONNECTION), kinds(sdp(2, "192.0.2.10", AUDIO.replace("49170", "50000"))));
    assertEquals(EnumSet.of(Kind.STREAM_ENABLED_OR_DISABLED), kinds(sdp(2, "192.0.2.10", AUDIO.replace("49170", "0"))));
  }

  @Test
  void somethingThatIsNotSdpIsAParseError() {
    assertThrows(ParseException.class, () -> MediaSummary.parse("this is not a session description"));
    assertThrows(ParseException.class, () -> MediaSummary.parse("v=0\r\ns=-\r\nm=audio 1 RTP/AVP 0\r\n"), "no o= line");
    assertThrows(ParseException.class, () -> MediaSummary.parse(CURRENT + "garbage line\r\n"));
  }
}
