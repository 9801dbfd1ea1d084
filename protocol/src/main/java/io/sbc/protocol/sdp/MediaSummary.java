package io.sbc.protocol.sdp;

import java.text.ParseException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.Vector;
import javax.sdp.Attribute;
import javax.sdp.Connection;
import javax.sdp.Media;
import javax.sdp.MediaDescription;
import javax.sdp.SdpException;
import javax.sdp.SdpFactory;
import javax.sdp.SessionDescription;

/**
 * What of a session description matters for deciding whether an offer changes the media
 * (RFC 3264 §8): the origin version and, per m-line, media type, port, transport, codecs,
 * direction and connection address. Parsed with the JSR 141 SDP implementation of JAIN-SIP.
 */
public record MediaSummary(String originId, long originVersion, List<Stream> streams) {

  /** One m-line. {@code codecs} are encoding names (upper case), from rtpmap or static types. */
  public record Stream(
      String type, int port, String transport, Set<String> codecs, String direction, String address) {
    public boolean disabled() {
      return port == 0;
    }

    /** T.38 fax: an image stream over UDPTL (RFC 3362 / ITU-T T.38 Annex D). */
    public boolean isT38() {
      return type.equals("image") && codecs.contains("T38");
    }
  }

  public MediaSummary {
    streams = List.copyOf(streams);
  }

  /** Parses an SDP body; a body that is not SDP is a {@link ParseException} with the reason. */
  public static MediaSummary parse(String sdp) throws ParseException {
    checkStructure(sdp);
    try {
      SessionDescription sd = SdpFactory.getInstance().createSessionDescription(sdp);
      String originId = sd.getOrigin() == null ? "" : sd.getOrigin().getUsername() + "/" + sd.getOrigin().getSessionId();
      long version = sd.getOrigin() == null ? -1 : sd.getOrigin().getSessionVersion();
      String sessionDirection = direction(sd.getAttributes(false), "sendrecv");
      String sessionAddress = address(sd.getConnection(), "");
      List<Stream> streams = new ArrayList<>();
      @SuppressWarnings("unchecked")
      Vector<MediaDescription> mds = sd.getMediaDescriptions(false);
      if (mds != null) {
        for (MediaDescription md : mds) {
          Media m = md.getMedia();
          @SuppressWarnings("unchecked")
          Vector<Attribute> attrs = md.getAttributes(false);
          streams.add(new Stream(
              m.getMediaType().toLowerCase(Locale.ROOT),
              m.getMediaPort(),
              m.getProtocol().toUpperCase(Locale.ROOT),
              codecs(m, attrs),
              direction(attrs, sessionDirection),
              address(md.getConnection(), sessionAddress)));
        }
      }
      return new MediaSummary(originId, version, streams);
    } catch (SdpException | RuntimeException e) {
      throw new ParseException("unusable SDP: " + e.getMessage(), 0);
    }
  }

  /**
   * RFC 4566 §5: the parser accepts garbage silently, so the line structure is checked first:
   * {@code v=0} first, an {@code o=} line, and every line of the form {@code <letter>=<value>}.
   */
  private static void checkStructure(String sdp) throws ParseException {
    if (sdp == null || !sdp.startsWith("v=0")) {
      throw new ParseException("unusable SDP: does not start with v=0", 0);
    }
    boolean origin = false;
    int offset = 0;
    for (String line : sdp.split("\r?\n")) {
      if (!line.isEmpty()) {
        if (line.length() < 2 || line.charAt(1) != '=' || line.charAt(0) < 'a' || line.charAt(0) > 'z') {
          throw new ParseException("unusable SDP: malformed line '" + line + "'", offset);
        }
        origin |= line.charAt(0) == 'o';
      }
      offset += line.length() + 1;
    }
    if (!origin) {
      throw new ParseException("unusable SDP: no o= line", 0);
    }
  }

  private static Set<String> codecs(Media m, Vector<Attribute> attrs) throws SdpException {
    Set<String> out = new LinkedHashSet<>();
    @SuppressWarnings("unchecked")
    Vector<String> formats = m.getMediaFormats(false);
    if (formats == null) {
      return out;
    }
    for (String pt : formats) {
      out.add(codecName(attrs, pt.trim()));
    }
    return out;
  }

  /** The upper-case encoding name of a payload type: its rtpmap, else the RFC 3551 name. */
  static String codecName(Vector<Attribute> attrs, String pt) throws SdpException {
    String name = rtpmapName(attrs, pt);
    return (name == null ? staticName(pt) : name).toUpperCase(Locale.ROOT);
  }

  private static String rtpmapName(Vector<Attribute> attrs, String pt) throws SdpException {
    if (attrs == null) {
      return null;
    }
    for (Attribute a : attrs) {
      if ("rtpmap".equalsIgnoreCase(a.getName()) && a.getValue() != null) {
        String[] parts = a.getValue().trim().split("\\s+", 2);
        if (parts.length == 2 && parts[0].equals(pt.trim())) {
          int slash = parts[1].indexOf('/');
          return slash < 0 ? parts[1] : parts[1].substring(0, slash);
        }
      }
    }
    return null;
  }

  /** RFC 3551 static payload types; anything else (e.g. "t38") stands for itself. */
  private static String staticName(String pt) {
    switch (pt) {
      case "0": return "PCMU";
      case "3": return "GSM";
      case "4": return "G723";
      case "8": return "PCMA";
      case "9": return "G722";
      case "18": return "G729";
      default: return pt;
    }
  }

  private static String direction(Vector<?> attrs, String fallback) throws SdpException {
    if (attrs != null) {
      for (Object o : attrs) {
        String name = ((Attribute) o).getName().toLowerCase(Locale.ROOT);
        if (name.equals("sendrecv") || name.equals("sendonly") || name.equals("recvonly") || name.equals("inactive")) {
          return name;
        }
      }
    }
    return fallback;
  }

  private static String address(Connection c, String fallback) throws SdpException {
    return c == null || c.getAddress() == null ? fallback : c.getAddress();
  }
}
