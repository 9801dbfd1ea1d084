package io.sbc.node.interop;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.node.dialog.Leg.Side;
import io.sbc.node.transaction.RelayedHeaders;
import java.util.List;
import java.util.ListIterator;
import javax.sip.header.Header;

/**
 * The headers of one call that cross the B2BUA according to who sends and who gets them: the
 * identity rules of {@link IdentityHeaders} both ways, on requests and responses alike; a caller's
 * credentials for the next hop (RFC 3261 §22.2) unless the SBC authenticates there itself; the
 * challenge of a 401/407 (§21.4.2, §21.4.8: the caller can only answer what it sees); the Contacts of
 * a 3xx (§21.3: the alternatives are the response's content).
 */
public final class HeaderRelay implements RelayedHeaders {
  private static final List<String> CREDENTIALS = List.of("Authorization", "Proxy-Authorization");
  private static final List<String> CHALLENGES = List.of("WWW-Authenticate", "Proxy-Authenticate");

  private final Trust trust;

  public HeaderRelay(Trust trust) {
    this.trust = trust;
  }

  @Override
  public void request(SIPMessage source, SIPRequest out, Side to) {
    if (source == null) {
      return;
    }
    IdentityHeaders.relay(source, out, trust.trusted(to.other()), trust.trusted(to));
    if (!(to == Side.B && ownCredentials())) {
      CREDENTIALS.forEach(name -> copy(source, out, name));
    }
  }

  /** The caller's INVITE as the B-leg INVITE (its B-leg exists: the call is routed). */
  public void initialInvite(SIPRequest aInvite, SIPRequest bInvite) {
    request(aInvite, bInvite, Side.B);
  }

  @Override
  public void response(SIPResponse source, SIPResponse out, Side to) {
    if (source == null) {
      return;
    }
    IdentityHeaders.relay(source, out, trust.trusted(to.other()), trust.trusted(to));
    int status = out.getStatusCode();
    if (status == 401 || status == 407) {
      CHALLENGES.forEach(name -> copy(source, out, name));
    } else if (status >= 300 && status < 400) {
      out.removeHeader("Contact");
      copy(source, out, "Contact");
    }
  }

  /** The call's route has the SBC's own credentials: the caller's are not for that next hop. */
  private boolean ownCredentials() {
    var route = trust.route();
    return route != null && route.auth().isPresent();
  }

  private static void copy(SIPMessage from, SIPMessage to, String name) {
    ListIterator<?> it = from.getHeaders(name);
    while (it != null && it.hasNext()) {
      to.addHeader((Header) ((Header) it.next()).clone());
    }
  }
}
