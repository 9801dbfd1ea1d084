package io.sbc.node.policy;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What the SBC does with a re-INVITE or UPDATE in an established call, after Cisco CUBE's
 * {@code midcall-signaling} command. {@link #NONE} is CUBE with the command left unconfigured.
 * The config and API spelling is the CUBE keyword ({@code passthru-media-change}).
 */
public enum MidcallPolicy {
  /** Relay every re-INVITE/UPDATE end to end. */
  PASSTHRU,
  /** Relay only those that change the media; answer session refreshes locally, leg by leg. */
  PASSTHRU_MEDIA_CHANGE,
  /** Answer everything locally: refresh → 200 with the current SDP, media change → 488. */
  BLOCK,
  /** Relay, restricting each stream of an offer to the codecs negotiated at call setup. */
  PRESERVE_CODEC,
  /** Refreshes answered locally, T.38 fax relayed, other media changes (video, hold) → 488. */
  NONE;

  /** The CUBE keyword, e.g. {@code passthru-media-change}. */
  public String keyword() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Parses a CUBE keyword (case-insensitive; '_' accepted for '-'). */
  public static MidcallPolicy parse(String keyword) {
    String k = keyword == null ? "" : keyword.trim().toUpperCase(Locale.ROOT).replace('-', '_');
    for (MidcallPolicy p : values()) {
      if (p.name().equals(k)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "unknown midcall-signaling policy '" + keyword + "'; expected one of "
            + Arrays.stream(values()).map(MidcallPolicy::keyword).collect(Collectors.joining(", ")));
  }
}
