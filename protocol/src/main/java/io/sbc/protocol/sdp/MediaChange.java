package io.sbc.protocol.sdp;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * How an offer differs from the session description currently in force on a leg: nothing (a
 * session refresh, RFC 4028 or a plain re-INVITE with the same SDP) or a set of media changes.
 * This is the classification the midcall-signaling policies act on.
 */
public record MediaChange(Set<Kind> kinds) {

  public enum Kind {
    STREAM_ADDED,
    STREAM_REMOVED,
    /** A stream's port went 0 ↔ non-zero. */
    STREAM_ENABLED_OR_DISABLED,
    /** e.g. audio → image (T.38 fax). */
    MEDIA_TYPE,
    /** sendrecv / sendonly / recvonly / inactive (hold and resume). */
    DIRECTION,
    CODECS,
    /** Connection address, port or transport (c=0.0.0.0 hold, re-homed media). */
    CONNECTION
  }

  public MediaChange {
    kinds = kinds.isEmpty() ? EnumSet.noneOf(Kind.class) : EnumSet.copyOf(kinds);
  }

  /** True when nothing about the media changes: a refresh. */
  public boolean isRefresh() {
    return kinds.isEmpty();
  }

  /**
   * Classifies {@code offer} against {@code current}. An unchanged origin version means the
   * offerer states that nothing changed (RFC 3264 §8), whatever else the body says.
   */
  public static MediaChange between(MediaSummary current, MediaSummary offer) {
    EnumSet<Kind> kinds = EnumSet.noneOf(Kind.class);
    if (current.originId().equals(offer.originId()) && current.originVersion() == offer.originVersion()) {
      return new MediaChange(kinds);
    }
    List<MediaSummary.Stream> a = current.streams();
    List<MediaSummary.Stream> b = offer.streams();
    if (b.size() > a.size()) {
      kinds.add(Kind.STREAM_ADDED);
    } else if (b.size() < a.size()) {
      kinds.add(Kind.STREAM_REMOVED); // RFC 3264 forbids it, but peers do it
    }
    for (int i = 0; i < Math.min(a.size(), b.size()); i++) {
      MediaSummary.Stream x = a.get(i);
      MediaSummary.Stream y = b.get(i);
      if (x.disabled() != y.disabled()) {
        kinds.add(Kind.STREAM_ENABLED_OR_DISABLED);
      }
      if (!x.type().equals(y.type())) {
        kinds.add(Kind.MEDIA_TYPE);
      }
      if (!x.direction().equals(y.direction())) {
        kinds.add(Kind.DIRECTION);
      }
      if (!x.codecs().equals(y.codecs())) {
        kinds.add(Kind.CODECS);
      }
      boolean moved = !x.disabled() && !y.disabled() && x.port() != y.port();
      if (moved || !x.address().equals(y.address()) || !x.transport().equals(y.transport())) {
        kinds.add(Kind.CONNECTION);
      }
    }
    return new MediaChange(kinds);
  }

  /** The offer's streams that were not in the current description (index beyond its m-lines). */
  public static List<MediaSummary.Stream> added(MediaSummary current, MediaSummary offer) {
    return offer.streams().subList(Math.min(current.streams().size(), offer.streams().size()), offer.streams().size());
  }
}
