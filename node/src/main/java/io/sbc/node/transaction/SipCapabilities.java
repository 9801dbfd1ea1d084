package io.sbc.node.transaction;

import gov.nist.javax.sip.header.SIPHeader;
import gov.nist.javax.sip.message.SIPRequest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.ListIterator;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What this SBC implements, and so may advertise (RFC 3261 §20.5 Allow, §20.37 Supported): the
 * methods it takes and the option tags it understands. A peer that learnt more from a relayed
 * Allow or Supported would send what the SBC then refuses, so relayed values are cut down to
 * these; a request needing more is refused (§8.2.1 405/501, §8.2.2.3 420).
 */
public final class SipCapabilities {
  /** Methods the SBC takes: INVITE and OPTIONS out of a dialog, all of them within one (relayed). */
  public static final List<String> ALLOWED_METHODS = List.of(
      "INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "UPDATE", "INFO", "PRACK", "REFER", "NOTIFY", "SUBSCRIBE", "MESSAGE");

  /** Methods the SBC knows (RFC 3261 and its extensions) but does not serve: 405, not 501. */
  private static final Set<String> KNOWN_NOT_SERVED = Set.of("REGISTER", "PUBLISH");

  /**
   * Option tags the SBC implements: timer (RFC 4028), run on each leg by the SBC itself, and
   * 100rel (RFC 3262), whose reliable provisionals it maps from leg to leg. A list, so that the
   * advertised order is the same on every node and every start (a Set's order is not).
   */
  public static final List<String> EXTENSIONS = List.of("timer", "100rel");

  /** Option tags of extensions that pass end to end (relayed in Supported/Require). */
  static final Set<String> END_TO_END_EXTENSIONS = Set.of("100rel");

  private SipCapabilities() {}

  /** The Allow header value. */
  public static String allow() {
    return String.join(", ", ALLOWED_METHODS);
  }

  /** The Allow value for a request outside a dialog, where the SBC serves only these. */
  public static String allowOutOfDialog() {
    return "INVITE, ACK, CANCEL, OPTIONS";
  }

  /** The Supported header value. */
  public static String supported() {
    return String.join(", ", EXTENSIONS);
  }

  /** True for a method the SBC recognises (it answers 405 rather than 501 when it cannot serve it). */
  public static boolean known(String method) {
    return ALLOWED_METHODS.contains(method) || KNOWN_NOT_SERVED.contains(method);
  }

  public static boolean allowed(String method) {
    return ALLOWED_METHODS.contains(method);
  }

  /** The option tags of the request's Require headers that the SBC does not implement (§8.2.2.3). */
  public static List<String> unsupportedRequired(SIPRequest req) {
    List<String> missing = new ArrayList<>();
    ListIterator<SIPHeader> it = req.getHeaders("Require");
    while (it != null && it.hasNext()) {
      for (String tag : tags(it.next().getHeaderValue())) {
        if (!EXTENSIONS.contains(tag) && !missing.contains(tag)) {
          missing.add(tag);
        }
      }
    }
    return missing;
  }

  /** A relayed Allow value cut down to the methods the SBC takes (empty: drop the header). */
  static String relayedAllow(String value) {
    Set<String> kept = new LinkedHashSet<>();
    for (String m : value.split(",")) {
      String method = m.trim().toUpperCase(Locale.ROOT);
      if (ALLOWED_METHODS.contains(method)) {
        kept.add(method);
      }
    }
    return String.join(", ", kept);
  }

  /**
   * A relayed Supported value cut down to the end-to-end extensions not kept on their leg for
   * this message ({@code legLocal}; empty: drop the header).
   */
  static String relayedSupported(String value, Set<String> legLocal) {
    return tags(value).stream().filter(t -> END_TO_END_EXTENSIONS.contains(t) && !legLocal.contains(t))
        .collect(Collectors.joining(", "));
  }

  private static List<String> tags(String value) {
    return Arrays.stream(value.split(","))
        .map(t -> t.trim().toLowerCase(Locale.ROOT))
        .filter(t -> !t.isEmpty())
        .toList();
  }
}
