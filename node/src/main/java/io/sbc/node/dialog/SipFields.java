package io.sbc.node.dialog;

import gov.nist.javax.sip.header.RecordRoute;
import gov.nist.javax.sip.header.SIPHeader;
import gov.nist.javax.sip.header.RecordRouteList;
import gov.nist.javax.sip.message.SIPMessage;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.ListIterator;
import java.util.Locale;
import java.util.Set;
import javax.sip.header.ContactHeader;

/** Reads the dialog-relevant fields of a parsed message (RFC 3261 §12) as plain values. */
public final class SipFields {
  private SipFields() {}

  public static String contactOf(SIPMessage msg, String fallback) {
    ContactHeader contact = msg.getContactHeader();
    return contact == null ? fallback : contact.getAddress().getURI().toString();
  }

  /** The route set: Record-Route as received by a UAS, reversed for a UAC (§12.1.1/§12.1.2). */
  public static List<String> routeSet(SIPMessage msg, boolean reverse) {
    RecordRouteList rr = msg.getRecordRouteHeaders();
    if (rr == null || rr.isEmpty()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (RecordRoute r : rr) {
      out.add(r.getHeaderValue());
    }
    if (reverse) {
      Collections.reverse(out);
    }
    return out;
  }

  /** The option tags of every {@code header} (Supported, Require, ...), in lower case. */
  public static Set<String> optionTags(SIPMessage msg, String header) {
    Set<String> tags = new HashSet<>();
    ListIterator<SIPHeader> it = msg.getHeaders(header);
    while (it != null && it.hasNext()) {
      for (String t : it.next().getHeaderValue().split(",")) {
        if (!t.isBlank()) {
          tags.add(t.trim().toLowerCase(Locale.ROOT));
        }
      }
    }
    return tags;
  }

  public static String body(SIPMessage msg) {
    byte[] raw = msg.getRawContent();
    return raw == null ? "" : new String(raw, StandardCharsets.UTF_8);
  }

  public static String contentType(SIPMessage msg) {
    return msg.getContentTypeHeader() == null ? "" : msg.getContentTypeHeader().getHeaderValue();
  }
}
