package io.sbc.node.interop;

import gov.nist.javax.sip.message.SIPRequest;
import io.sbc.node.routing.RequestUriForm;
import io.sbc.node.routing.RouteTable;
import io.sbc.node.transaction.SipBuilder;
import io.sbc.protocol.Transport;
import io.sbc.protocol.uri.RequestTarget;
import java.util.Optional;
import javax.sip.address.TelURL;

/**
 * How a new call presents itself on its B-leg: the INVITE's Request-URI (the route's {@link
 * RequestUriForm}), its To and its From. A dialled number stays a number: a {@code tel:} URI or
 * {@code ;user=phone} (RFC 3261 §19.1.6) on both legs, a {@code tel:} From or To as it was (it
 * names no host to hide). Towards an untrusted next hop a caller's Privacy: user or header makes
 * the From anonymous (RFC 3323 §4.1.1.3, §5.3); the SBC's Via, Contact and Call-ID already hide the
 * caller's host and topology (§5.1: a B2BUA replaces them by its own).
 *
 * @param refusal why the call cannot be placed as asked (Privacy: session;critical to an untrusted
 *     next hop: the SBC relays SDP unchanged, RFC 3323 §4.2 wants a 500 then), empty otherwise
 */
public record BLegIdentity(String requestUri, String to, String from, Optional<String> refusal) {
  /** RFC 3323 §4.1.1.3: the anonymous From a privacy service puts in. */
  public static final String ANONYMOUS = "\"Anonymous\" <sip:anonymous@anonymous.invalid>";

  public static BLegIdentity of(SIPRequest aInvite, RouteTable.Route route, boolean trustedNextHop, SipBuilder build) {
    RequestTarget target = RequestTarget.of(aInvite.getRequestURI());
    RouteTable.NextHop hop = route.nextHop();
    String host = hop.host().contains(":") && !hop.host().startsWith("[") ? "[" + hop.host() + "]" : hop.host();
    String user = target.user() == null ? "" : target.user() + "@";
    String phone = target.phone() && target.user() != null ? ";user=phone" : "";
    String viaNextHop = "sip:" + user + host + ":" + hop.port() + phone;
    String requestUri = switch (route.requestUri()) {
      case AS_RECEIVED -> aInvite.getRequestURI().toString();
      case TEL -> target.phone() && target.user() != null ? "tel:" + target.user() : withTransport(viaNextHop, hop);
      case NEXT_HOP -> withTransport(viaNextHop, hop);
    };
    String to;
    if (aInvite.getTo().getAddress().getURI() instanceof TelURL || route.requestUri() == RequestUriForm.AS_RECEIVED) {
      to = aInvite.getTo().getAddress().toString(); // the caller's To as it was, without tag
    } else if (requestUri.startsWith("tel:")) {
      to = "<" + requestUri + ">";
    } else {
      to = "<" + viaNextHop + ">";
    }
    Privacy privacy = Privacy.of(aInvite);
    String from = !trustedNextHop && privacy.anonymousFrom() ? ANONYMOUS : build.hiddenAddress(aInvite);
    Optional<String> refusal = !trustedNextHop && privacy.criticalSession()
        ? Optional.of("Server Internal Error (session privacy unavailable)") : Optional.empty();
    return new BLegIdentity(requestUri, to, from, refusal);
  }

  private static String withTransport(String uri, RouteTable.NextHop hop) {
    return uri + (hop.transport() == Transport.UDP ? "" : ";transport=" + hop.transport().token());
  }
}
