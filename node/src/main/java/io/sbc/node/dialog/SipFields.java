package io.sbc.node.dialog;

import gov.nist.javax.sip.header.RecordRoute;
import gov.nist.javax.sip.header.SIPHeader;
import gov.nist.javax.sip.header.RecordRouteList;
import gov.nist.javax.sip.header.SIPHeader;
import gov.nist.javax.sip.message.SIPMessage;
import io.sbc.protocol.sdp.SessionBody;
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

  /**
   * The session description a message carries: its body when that is {@code application/sdp}, the
   * SDP part of a multipart body (SIP-I/SIP-T), "" otherwise. Every offer/answer reading goes
   * through here, so what the SBC stores and answers with is always SDP alone.
   */
  public static String body(SIPMessage msg) {
    return SessionBody.sdp(contentType(msg), msg.getRawContent());
  }

  /** The values of every header of that name, in order (a list header's entries stay together). */
  public static List<String> headerValues(SIPMessage msg, String name) {
    List<String> out = new ArrayList<>();
    ListIterator<SIPHeader> it = msg.getHeaders(name);
    while (it != null && it.hasNext()) {
      out.add(it.next().getHeaderValue().trim());
    }
    return out;
  }

  public static String contentType(SIPMessage msg) {
    return msg.getContentTypeHeader() == null ? "" : msg.getContentTypeHeader().getHeaderValue();
  }
}
