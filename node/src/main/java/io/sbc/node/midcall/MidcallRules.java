package io.sbc.node.midcall;

import io.sbc.node.policy.MidcallPolicy;
import io.sbc.protocol.sdp.CodecFilter;
import io.sbc.protocol.sdp.MediaChange;
import io.sbc.protocol.sdp.MediaSummary;
import java.text.ParseException;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The midcall-signaling decision for one re-INVITE or UPDATE: relay it, answer it locally, or
 * reject it, given the policy in force and how the offer compares with the session description
 * the sending peer last established on its leg. Pure: no I/O, no state.
 */
public final class MidcallRules {
  private MidcallRules() {}

  /** What to do with the request. */
  public sealed interface Action {
    String label();
  }

  /** Relay to the other leg; {@code body} replaces the offer when present (preserve-codec). */
  public record Relay(Optional<String> body) implements Action {
    public String label() {
      return body.isPresent() ? "relayed-restricted" : "relayed";
    }
  }

  /** A refresh: the SBC answers on this leg with its current session description. */
  public record AnswerLocally() implements Action {
    public String label() {
      return "answered-locally";
    }
  }

  /** 488 Not Acceptable Here with a Warning (RFC 3261 §20.43 code and text). */
  public record Reject(int warnCode, String warnText) implements Action {
    public String label() {
      return "rejected";
    }
  }

  public record Decision(Action action, String reason) {}

  /**
   * @param offer the request's SDP, empty for an offer-less re-INVITE or UPDATE
   * @param current the SDP the sending peer last established on its leg (may be empty)
   * @param targetCurrent the SDP the SBC last established towards the other leg (may be empty)
   * @param setupCodecs per m-line, the codecs negotiated when the call was set up
   */
  public static Decision decide(MidcallPolicy policy, String offer, String current, String targetCurrent,
      List<Set<String>> setupCodecs) {
    if (policy == MidcallPolicy.PASSTHRU) {
      return new Decision(new Relay(Optional.empty()), "passthru");
    }
    if (offer.isEmpty()) {
      // No offer: nothing about the media can change, so it is a session refresh.
      return policy == MidcallPolicy.PRESERVE_CODEC
          ? new Decision(new Relay(Optional.empty()), "refresh without offer")
          : new Decision(new AnswerLocally(), "refresh without offer");
    }
    MediaChange change;
    MediaSummary offered;
    try {
      offered = MediaSummary.parse(offer);
      change = current.isEmpty() ? null : MediaChange.between(MediaSummary.parse(current), offered);
    } catch (ParseException e) {
      return policy == MidcallPolicy.PASSTHRU_MEDIA_CHANGE
          ? new Decision(new Relay(Optional.empty()), "offer not classifiable: " + e.getMessage())
          : new Decision(new Reject(399, e.getMessage()), "offer not classifiable");
    }
    if (change != null && change.isRefresh()) {
      if (policy != MidcallPolicy.PRESERVE_CODEC) {
        return new Decision(new AnswerLocally(), "refresh");
      }
      // Send the far side exactly what it already has: a restricted copy would differ from
      // it under the same origin version, which RFC 3264 §8 forbids.
      return new Decision(
          new Relay(targetCurrent.isEmpty() ? Optional.empty() : Optional.of(targetCurrent)), "refresh");
    }
    String what = change == null ? "media change (no current SDP)" : "media change " + change.kinds();
    return switch (policy) {
      case PASSTHRU, PASSTHRU_MEDIA_CHANGE -> new Decision(new Relay(Optional.empty()), what);
      case BLOCK -> new Decision(new Reject(304, "Media change not allowed (midcall-signaling block)"), what);
      case PRESERVE_CODEC -> restricted(offer, setupCodecs, what);
      case NONE -> isFaxSwitch(current, offered)
          ? new Decision(new Relay(Optional.empty()), what + ", T.38 fax")
          : new Decision(new Reject(304, "Media change not allowed (midcall-signaling not configured)"), what);
    };
  }

  private static Decision restricted(String offer, List<Set<String>> setupCodecs, String what) {
    try {
      Optional<String> body = CodecFilter.restrict(offer, setupCodecs);
      return body.isPresent()
          ? new Decision(new Relay(body), what + ", restricted to the setup codecs")
          : new Decision(new Reject(305, "Incompatible media format: no codec negotiated at setup"), what);
    } catch (ParseException e) {
      return new Decision(new Reject(399, e.getMessage()), what);
    }
  }

  /** A switch to or from T.38: a T.38 stream appears in or disappears from the session. */
  private static boolean isFaxSwitch(String current, MediaSummary offered) {
    boolean offerFax = offered.streams().stream().anyMatch(s -> s.isT38() && !s.disabled());
    boolean currentFax = false;
    try {
      currentFax = !current.isEmpty()
          && MediaSummary.parse(current).streams().stream().anyMatch(s -> s.isT38() && !s.disabled());
    } catch (ParseException e) {
      // an unusable current description: judge by the offer alone
    }
    return offerFax != currentFax;
  }
}
