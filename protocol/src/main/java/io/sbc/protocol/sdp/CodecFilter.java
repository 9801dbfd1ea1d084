package io.sbc.protocol.sdp;

import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.Vector;
import javax.sdp.Attribute;
import javax.sdp.Media;
import javax.sdp.MediaDescription;
import javax.sdp.SdpException;
import javax.sdp.SdpFactory;
import javax.sdp.SessionDescription;

/**
 * Restricts an SDP offer to the codecs negotiated at call setup, stream by stream (the
 * {@code preserve-codec} midcall policy). Formats not allowed are removed from the m-line with
 * their rtpmap/fmtp attributes; telephone-event (RFC 4733) stays with any stream that keeps a
 * codec. Works on the JSR 141 SDP model, so the rest of the description is untouched.
 */
public final class CodecFilter {
  private CodecFilter() {}

  private static final String DTMF = "TELEPHONE-EVENT";

  /**
   * Per m-line, the codecs both sides offered and answered at setup: the answer's codecs that the
   * offer also had (the answer's alone when only one side has SDP). An unusable description gives
   * an empty list, so preserve-codec finds nothing to keep and rejects.
   */
  public static List<Set<String>> negotiated(String offerSdp, String answerSdp) {
    List<Set<String>> out = new ArrayList<>();
    try {
      List<MediaSummary.Stream> offer = offerSdp.isEmpty() ? List.of() : MediaSummary.parse(offerSdp).streams();
      List<MediaSummary.Stream> answer = answerSdp.isEmpty() ? List.of() : MediaSummary.parse(answerSdp).streams();
      List<MediaSummary.Stream> base = answer.isEmpty() ? offer : answer;
      for (int i = 0; i < base.size(); i++) {
        Set<String> codecs = new LinkedHashSet<>(base.get(i).codecs());
        if (!offer.isEmpty() && !answer.isEmpty() && i < offer.size()) {
          codecs.retainAll(offer.get(i).codecs());
        }
        out.add(Set.copyOf(codecs));
      }
    } catch (ParseException e) {
      return List.of();
    }
    return List.copyOf(out);
  }

  /**
   * Returns the restricted offer, or empty when an enabled stream would keep no codec (the
   * caller answers 488). {@code allowed.get(i)} is the codec set of m-line {@code i} at setup;
   * m-lines beyond it have none. Disabled streams (port 0) pass unchanged.
   */
  public static Optional<String> restrict(String offer, List<Set<String>> allowed) throws ParseException {
    MediaSummary.parse(offer); // same structure check as the classifier
    try {
      SessionDescription sd = SdpFactory.getInstance().createSessionDescription(offer);
      @SuppressWarnings("unchecked")
      Vector<MediaDescription> mds = sd.getMediaDescriptions(false);
      if (mds == null) {
        return Optional.of(offer);
      }
      for (int i = 0; i < mds.size(); i++) {
        MediaDescription md = mds.get(i);
        Media m = md.getMedia();
        if (m.getMediaPort() == 0) {
          continue;
        }
        Set<String> keep = i < allowed.size() ? allowed.get(i) : Set.of();
        if (!restrictStream(md, keep)) {
          return Optional.empty();
        }
      }
      return Optional.of(sd.toString());
    } catch (SdpException | RuntimeException e) {
      throw new ParseException("unusable SDP: " + e.getMessage(), 0);
    }
  }

  private static boolean restrictStream(MediaDescription md, Set<String> keep) throws SdpException {
    Media m = md.getMedia();
    @SuppressWarnings("unchecked")
    Vector<String> formats = m.getMediaFormats(false);
    @SuppressWarnings("unchecked")
    Vector<Attribute> attrs = md.getAttributes(false);
    List<String> kept = new ArrayList<>();
    List<String> dtmf = new ArrayList<>();
    List<String> dropped = new ArrayList<>();
    for (String pt : formats == null ? List.<String>of() : formats) {
      String name = MediaSummary.codecName(attrs, pt.trim());
      if (keep.contains(name) && !name.equals(DTMF)) {
        kept.add(pt.trim());
      } else if (name.equals(DTMF) && keep.contains(DTMF)) {
        dtmf.add(pt.trim());
      } else {
        dropped.add(pt.trim());
      }
    }
    if (kept.isEmpty()) {
      return false;
    }
    kept.addAll(dtmf);
    m.setMediaFormats(new Vector<>(kept));
    if (attrs != null) {
      attrs.removeIf(a -> isFormatAttribute(a, dropped));
    }
    return true;
  }

  private static boolean isFormatAttribute(Attribute a, List<String> payloadTypes) {
    try {
      String name = a.getName().toLowerCase(Locale.ROOT);
      if (!(name.equals("rtpmap") || name.equals("fmtp")) || a.getValue() == null) {
        return false;
      }
      String pt = a.getValue().trim().split("\\s+", 2)[0];
      return payloadTypes.contains(pt);
    } catch (SdpException e) {
      return false;
    }
  }
}
