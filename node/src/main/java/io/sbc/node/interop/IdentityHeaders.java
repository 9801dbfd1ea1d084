package io.sbc.node.interop;

import gov.nist.javax.sip.header.SIPHeader;
import gov.nist.javax.sip.message.SIPMessage;
import java.util.List;
import java.util.ListIterator;
import java.util.Locale;
import javax.sip.header.Header;

/**
 * Which identity and priority headers cross the B2BUA, by the trust of the peer that sent them and
 * of the peer that gets them, and the privacy the message asks for. The rules, one per header
 * (source → destination):
 * <pre>
 * P-Asserted-Identity,     from trusted only (RFC 3325 §5: an untrusted peer asserts nothing);
 * P-Preferred-Identity     to untrusted not with Privacy: id (RFC 3325 §5, §9.3)
 * Privacy                  always (it is the user's request, end to end)
 * Identity (+ Date)        always: a signed PASSporT is verified by the recipient (RFC 8224 §6),
 *                          Date with it for the iat check (§4.1)
 * Diversion, History-Info, from trusted only (unauthenticated claims about the call's history);
 * Resource-Priority,       to untrusted: History-Info not with Privacy: history|header (RFC 7044
 * Accept-Resource-Priority §10.1), Diversion not with Privacy: header, nor a Diversion header with a
 *                          privacy parameter other than off (RFC 5806 §4); priority only from
 *                          trusted peers (RFC 4412 §11: namespaces are policed at the trust boundary)
 * Subject, Call-Info,      removed to untrusted with Privacy: header (RFC 3323 §5.1), even the ones
 * Organization, Reply-To,  the fixed end-to-end set copies
 * In-Reply-To, User-Agent
 * </pre>
 * Pure: works on the two messages, knows nothing of the call.
 */
public final class IdentityHeaders {
  private static final List<String> ASSERTED = List.of("P-Asserted-Identity", "P-Preferred-Identity");
  private static final List<String> HEADER_PRIVACY = List.of("Subject", "Call-Info", "Organization", "Reply-To",
      "In-Reply-To", "User-Agent");

  private IdentityHeaders() {}

  /** Copies onto {@code out} what of {@code source}'s identity headers may go from a peer so trusted to one so trusted. */
  public static void relay(SIPMessage source, SIPMessage out, boolean fromTrusted, boolean toTrusted) {
    Privacy privacy = Privacy.of(source);
    boolean hideFromUntrusted = !toTrusted;
    copy(source, out, "Privacy");
    if (fromTrusted && !(hideFromUntrusted && privacy.id())) {
      ASSERTED.forEach(name -> copy(source, out, name));
    }
    if (source.getHeader("Identity") != null) {
      copy(source, out, "Identity");
      if (out.getHeader("Date") == null) {
        copy(source, out, "Date");
      }
    }
    if (fromTrusted) {
      if (!(hideFromUntrusted && privacy.history())) {
        copy(source, out, "History-Info");
      }
      if (!(hideFromUntrusted && privacy.header())) {
        copyDiversion(source, out, hideFromUntrusted);
      }
      copy(source, out, "Resource-Priority");
      copy(source, out, "Accept-Resource-Priority");
    }
    if (hideFromUntrusted && privacy.header()) {
      HEADER_PRIVACY.forEach(out::removeHeader);
    }
  }

  private static void copy(SIPMessage from, SIPMessage to, String name) {
    ListIterator<SIPHeader> it = from.getHeaders(name);
    while (it != null && it.hasNext()) {
      to.addHeader((Header) it.next().clone());
    }
  }

  /** RFC 5806 §4: an entry with a privacy parameter other than "off" stays in the trusted network. */
  private static void copyDiversion(SIPMessage from, SIPMessage to, boolean toUntrusted) {
    ListIterator<SIPHeader> it = from.getHeaders("Diversion");
    while (it != null && it.hasNext()) {
      SIPHeader h = it.next();
      String v = h.getHeaderValue().toLowerCase(Locale.ROOT).replace(" ", "");
      boolean privateEntry = v.contains(";privacy=") && !v.contains(";privacy=off");
      if (!(toUntrusted && privateEntry)) {
        to.addHeader((Header) h.clone());
      }
    }
  }
}
