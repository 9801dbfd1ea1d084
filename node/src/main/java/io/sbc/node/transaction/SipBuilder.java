package io.sbc.node.transaction;

import gov.nist.javax.sip.address.AddressFactoryImpl;
import gov.nist.javax.sip.address.SipUri;
import gov.nist.javax.sip.header.HeaderFactoryImpl;
import gov.nist.javax.sip.header.SIPHeader;
import gov.nist.javax.sip.message.MessageFactoryImpl;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.gateway.Flow;
import io.sbc.gateway.GatewaySettings;
import io.sbc.node.dialog.Leg;
import io.sbc.node.dialog.SipFields;
import io.sbc.node.routing.RouteTable;
import io.sbc.protocol.Transport;
import io.sbc.protocol.sdp.SessionBody;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.ArrayList;
import java.util.Set;
import java.util.List;
import java.util.ListIterator;
import java.util.concurrent.ThreadLocalRandom;
import javax.sip.InvalidArgumentException;
import javax.sip.address.SipURI;
import javax.sip.address.URI;
import javax.sip.header.CSeqHeader;
import javax.sip.header.CallIdHeader;
import javax.sip.header.ContactHeader;
import javax.sip.header.ContentTypeHeader;
import javax.sip.header.FromHeader;
import javax.sip.header.Header;
import javax.sip.header.MaxForwardsHeader;
import javax.sip.header.RouteHeader;
import javax.sip.header.ToHeader;
import javax.sip.header.ViaHeader;

/**
 * Builds the SBC's own messages with the JAIN-SIP factories: requests on a leg (with the SBC's
 * Via, Contact, tags and CSeq, so nothing of the other leg's topology leaks) and responses.
 * Stateless and thread-safe; one instance per node.
 */
public final class SipBuilder {
  /** End-to-end headers copied across the B2BUA; everything else is hop- or leg-specific. */
  private static final List<String> PASSED_HEADERS =
      List.of(
          "Allow", "Accept", "Supported", "Event", "Subscription-State", "Refer-To",
          "Referred-By", "Content-Disposition", "Info-Package", "Recv-Info", "Subject", "Reason",
          "Retry-After", "Unsupported", "Warning", "Allow-Events");

  /**
   * Option tags of extensions the SBC runs per leg: timer (RFC 4028) everywhere. 100rel passes on
   * the initial INVITE and on responses, since the SBC maps the reliable provisionals of a call's
   * setup end to end (RSeq/RAck per leg, {@code call.ReliableProvisionals}); in-dialog requests
   * keep it off, so that no peer waits for PRACKs of a re-INVITE's provisionals.
   */
  private static final Set<String> LEG_LOCAL_OPTIONS = Set.of("timer");
  private static final Set<String> IN_DIALOG_LOCAL_OPTIONS = Set.of("timer", "100rel");

  private final MessageFactoryImpl messages = new MessageFactoryImpl();
  private final HeaderFactoryImpl headers = new HeaderFactoryImpl();
  private final AddressFactoryImpl addresses = new AddressFactoryImpl();
  private final GatewaySettings sip;

  public SipBuilder(GatewaySettings sip) {
    this.sip = sip;
  }

  public static String newTag() {
    return Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffffL);
  }

  public static String newBranch() {
    return "z9hG4bK" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
  }

  /**
   * The SBC's Contact URI for a transport, at {@code local} (the {@code host:port} of the gateway
   * a flow belongs to; empty: this node's own).
   */
  public String contactUri(Transport transport, String local) {
    if (transport == Transport.UDP && sip.front().enabled()) {
      return "sip:sbc@" + sip.front().address(); // in-dialog requests go to the cluster's one address
    }
    return "sip:sbc@"
        + (local.isEmpty() ? sip.address().forTransport(transport) : local)
        + (transport == Transport.UDP ? "" : ";transport=" + transport.token());
  }

  /** A {@code sips:} Contact (RFC 3261 §12.1.1, RFC 5630): TLS is implied, no transport parameter. */
  private String secureContactUri(String local) {
    return "sips:sbc@" + (local.isEmpty() ? sip.address().forTransport(Transport.TLS) : local);
  }

  /**
   * The SBC's name-addr for the B-leg From: the caller's display name and user, our host; a
   * number stays one ({@code ;user=phone}), a {@code tel:} URI is kept as it is (no host in it).
   */
  public String hiddenAddress(SIPRequest aInvite) {
    javax.sip.address.Address from = aInvite.getFrom().getAddress();
    String display = from.getDisplayName();
    String name = display == null ? "" : "\"" + display.replace("\"", "") + "\" ";
    if (from.getURI() instanceof javax.sip.address.TelURL tel) {
      return name + "<" + tel + ">";
    }
    String user = from.getURI() instanceof SipURI su && su.getUser() != null ? su.getUser() : "anonymous";
    boolean phone = from.getURI() instanceof SipURI su && "phone".equalsIgnoreCase(su.getUserParam());
    return name + "<sip:" + user + "@" + sip.advertisedHost() + (phone ? ";user=phone" : "") + ">";
  }

  /**
   * The first INVITE on the B-leg to {@code target} (its Request-URI; it is sent to the next hop
   * whatever it says), carrying the caller's body.
   */
  public SIPRequest initialInvite(SIPRequest aInvite, Leg b, String target, RouteTable.NextHop hop, String branch)
      throws ParseException, InvalidArgumentException {
    int maxForwards = aInvite.getMaxForwards() == null ? 70 : aInvite.getMaxForwards().getMaxForwards() - 1;
    SIPRequest invite =
        request(addresses.createURI(target), "INVITE", b, b.localCseq(), branch, hop.transport(),
            Math.max(maxForwards, 0));
    // The dialog's remote address on B is the target itself: no tag yet.
    invite.setHeader(headers.createHeader(ToHeader.NAME, b.remoteAddress()));
    invite.setHeader(contact(hop.transport(), b.flow().localAddress()));
    copyBody(aInvite, invite);
    copyPassedHeaders(aInvite, invite, LEG_LOCAL_OPTIONS);
    if (SipFields.optionTags(aInvite, "Require").contains("100rel")) {
      // RFC 3262 §3: the caller insists on reliable provisionals: so does the SBC of the callee
      invite.addHeader(headers.createHeader("Require", "100rel"));
    }
    return invite;
  }

  /**
   * The ACK of a non-2xx final response whose INVITE transaction the SBC no longer holds (it
   * timed out, e.g. timer C, and was cancelled): §17.1.1.3 makes it from the response itself,
   * same branch, Call-ID, From, To and CSeq number, so the callee's server transaction stops
   * retransmitting it.
   */
  public SIPRequest ackOfNon2xx(SIPResponse resp, String requestUri) throws ParseException, InvalidArgumentException {
    ViaHeader via = (ViaHeader) resp.getTopmostVia().clone();
    via.removeParameter("received");
    via.removeParameter("rport");
    return (SIPRequest) messages.createRequest(addresses.createURI(requestUri), "ACK",
        (CallIdHeader) resp.getCallId().clone(),
        headers.createCSeqHeader(resp.getCSeq().getSeqNumber(), "ACK"),
        (FromHeader) resp.getFrom().clone(), (ToHeader) resp.getTo().clone(), List.of(via),
        headers.createMaxForwardsHeader(70));
  }

  /**
   * An in-dialog request from the SBC on a leg (BYE, re-INVITE, relayed INFO, ACK, ...). RFC 3261
   * §12.2.1.1: to a loose router (or none) the Request-URI is the remote target and the route set
   * the Route; when the first route lacks {@code ;lr} it is a strict router, which takes the
   * request by its Request-URI: that route becomes the Request-URI and the remote target the last Route.
   */
  public SIPRequest inDialog(Leg leg, String method, long cseq, String branch, SIPMessage source)
      throws ParseException, InvalidArgumentException {
    List<String> routes = leg.routeSet();
    URI target = addresses.createURI(leg.remoteTarget());
    URI strict = routes.isEmpty() ? null : strictRouter(routes.get(0));
    if (strict != null) {
      target = strict;
      List<String> rest = new ArrayList<>(routes.subList(1, routes.size()));
      rest.add("<" + leg.remoteTarget() + ">");
      routes = rest;
    }
    SIPRequest req = request(target, method, leg, cseq, branch, leg.flow().transport(), maxForwards(source));
    for (String route : routes) {
      req.addHeader(headers.createHeader("Route", route));
    }
    if (method.equals("INVITE") || method.equals("UPDATE") || method.equals("SUBSCRIBE")
        || method.equals("NOTIFY") || method.equals("REFER")) {
      req.setHeader(contact(leg.flow().transport(), leg.flow().localAddress()));
    }
    if (source != null) {
      copyBody(source, req);
      copyPassedHeaders(source, req, IN_DIALOG_LOCAL_OPTIONS);
    }
    return req;
  }

  /**
   * Max-Forwards of a request the SBC sends: one less than the request it relays (RFC 7332 §3.2:
   * a B2BUA decrements it on in-dialog requests too, or a loop through it never ends), 70 for
   * its own requests.
   */
  private static int maxForwards(SIPMessage source) {
    if (source instanceof SIPRequest req && req.getMaxForwards() != null) {
      return Math.max(req.getMaxForwards().getMaxForwards() - 1, 0);
    }
    return 70;
  }

  /**
   * The URI of a route that names a strict router (a SIP URI without {@code lr}), as a
   * Request-URI (without URI headers, §19.1.1); null for a loose router or an unusable value.
   */
  private URI strictRouter(String route) {
    try {
      URI uri = ((RouteHeader) headers.createHeader(RouteHeader.NAME, route)).getAddress().getURI();
      if (!(uri instanceof SipUri sip) || sip.hasLrParam()) {
        return null;
      }
      SipUri copy = (SipUri) sip.clone();
      copy.clearQheaders();
      return copy;
    } catch (ParseException | ClassCastException e) {
      return null; // not a route we can read: sent as it is, as before
    }
  }

  private SIPRequest request(URI target, String method, Leg leg, long cseq, String branch,
      Transport transport, int maxForwards) throws ParseException, InvalidArgumentException {
    CallIdHeader callId = headers.createCallIdHeader(leg.callId());
    CSeqHeader cseqHeader = headers.createCSeqHeader(cseq, method);
    FromHeader from = (FromHeader) headers.createHeader(FromHeader.NAME, leg.localAddress() + ";tag=" + leg.localTag());
    String to = leg.remoteAddress() + (leg.remoteTag().isEmpty() ? "" : ";tag=" + leg.remoteTag());
    ToHeader toHeader = (ToHeader) headers.createHeader(ToHeader.NAME, to);
    ViaHeader via = via(leg.flow().localAddress(), transport, branch);
    MaxForwardsHeader mf = headers.createMaxForwardsHeader(maxForwards);
    return (SIPRequest) messages.createRequest(target, method, callId, cseqHeader, from, toHeader, List.of(via), mf);
  }

  /**
   * The SBC's Via at {@code local} (a gateway's advertised {@code host:port} for the transport;
   * empty: this node's, whose TLS port differs from the UDP/TCP one).
   */
  private ViaHeader via(String local, Transport transport, String branch) throws ParseException, InvalidArgumentException {
    String at = local.isEmpty() ? sip.address().forTransport(transport) : local;
    int colon = at.lastIndexOf(':');
    ViaHeader via = colon < 0
        ? headers.createViaHeader(sip.advertisedHost(), sip.port(), transport.token(), branch)
        : headers.createViaHeader(unbracket(at.substring(0, colon)), Integer.parseInt(at.substring(colon + 1)),
            transport.token(), branch);
    via.setRPort();
    return via;
  }

  /**
   * An in-dialog request the SBC sent, as a new transaction on {@code leg} (re-homed to another
   * gateway): the same request with a new branch and CSeq, and the leg's gateway in Via and (if
   * it has one) Contact, so that the peer answers a node that is alive.
   */
  public SIPRequest reissued(SIPRequest sent, Leg leg, long cseq, String branch)
      throws ParseException, InvalidArgumentException {
    SIPRequest again = (SIPRequest) sent.clone();
    again.setHeader(via(leg.flow().localAddress(), leg.flow().transport(), branch));
    again.getCSeq().setSeqNumber(cseq);
    if (again.getHeader(ContactHeader.NAME) != null) {
      again.setHeader(contact(leg.flow().transport(), leg.flow().localAddress()));
    }
    return again;
  }

  /** True for a UDP flow while this node sits behind the cluster's front ({@code sbc.sip.front}). */
  public boolean behindFront(Flow flow) {
    return flow.transport() == Transport.UDP && sip.front().enabled();
  }

  /**
   * {@code flow} aimed at the host and port of a remote target URI (default port 5060, 5061 for
   * sips); unchanged when the URI is not a SIP URI with a host.
   */
  public Flow towardTarget(Flow flow, String remoteTarget) {
    try {
      URI uri = addresses.createURI(remoteTarget);
      if (uri instanceof SipURI sipUri && sipUri.getHost() != null) {
        int port = sipUri.getPort() > 0 ? sipUri.getPort() : sipUri.isSecure() ? 5061 : 5060;
        return new Flow(flow.transport(), unbracket(sipUri.getHost()), port, "", flow.gateway(), flow.localAddress());
      }
    } catch (ParseException e) {
      // an unusable target: keep the flow's own address
    }
    return flow;
  }

  private ContactHeader contact(Transport transport, String local) throws ParseException {
    return headers.createContactHeader(addresses.createAddress(contactUri(transport, local)));
  }

  /**
   * A response of the SBC to a request it received: {@code relayed} (if any) supplies the reason
   * phrase, body and end-to-end headers of the response that came from the other leg.
   */
  public SIPResponse response(SIPRequest request, int status, String reason, String toTag,
      SIPResponse relayed, Flow flow) throws ParseException {
    SIPResponse resp = request.createResponse(status, reason);
    if (toTag != null && status > 100 && resp.getTo().getTag() == null) {
      resp.getTo().setTag(toTag);
    }
    String method = request.getMethod();
    boolean targetRefresh = method.equals("INVITE") || method.equals("UPDATE") || method.equals("SUBSCRIBE");
    if (targetRefresh && status > 100 && status < 300) {
      boolean sips = request.getRequestURI() instanceof SipURI uri && uri.isSecure();
      resp.setHeader(sips
          ? headers.createContactHeader(addresses.createAddress(secureContactUri(flow.localAddress())))
          : contact(Transport.fromToken(request.getTopmostVia().getTransport()), flow.localAddress()));
    }
    if (relayed != null) {
      copyBody(relayed, resp);
      copyPassedHeaders(relayed, resp, LEG_LOCAL_OPTIONS);
    }
    return resp;
  }

  private void copyBody(SIPMessage from, SIPMessage to) throws ParseException {
    byte[] body = from.getRawContent();
    ContentTypeHeader type = from.getContentTypeHeader();
    if (body != null && body.length > 0 && type != null) {
      to.setContent(body, (ContentTypeHeader) type.clone());
    }
  }

  private void copyPassedHeaders(SIPMessage from, SIPMessage to, Set<String> legLocalOptions) throws ParseException {
    for (String name : PASSED_HEADERS) {
      ListIterator<SIPHeader> it = from.getHeaders(name);
      while (it != null && it.hasNext()) {
        SIPHeader h = it.next();
        if (name.equals("Supported") || name.equals("Allow")) {
          // Only what the SBC itself implements may be advertised across it: a peer would
          // otherwise send methods or rely on extensions the SBC refuses (timer runs per leg).
          String kept = name.equals("Allow")
              ? SipCapabilities.relayedAllow(h.getHeaderValue())
              : SipCapabilities.relayedSupported(h.getHeaderValue(), legLocalOptions);
          addList(to, name, kept);
          continue;
        }
        to.addHeader((Header) h.clone());
      }
    }
  }

  /** Sets (replaces) a header by name and value, e.g. {@code Min-SE: 90}. */
  public void setHeader(SIPMessage msg, String name, String value) throws ParseException {
    msg.setHeader(headers.createHeader(name, value));
  }

  /** What the SBC implements, as an OPTIONS answer says it (RFC 3261 §11.2): Allow, Supported, Accept. */
  public void advertiseCapabilities(SIPMessage msg) throws ParseException {
    setList(msg, "Allow", SipCapabilities.allow());
    setList(msg, "Supported", SipCapabilities.supported());
    setHeader(msg, "Accept", "application/sdp");
  }

  /**
   * Sets a list header (Allow, Supported, Unsupported, ...) to comma-separated {@code values};
   * JAIN-SIP takes such a header only one value at a time.
   */
  public void setList(SIPMessage msg, String name, String values) throws ParseException {
    msg.removeHeader(name);
    addList(msg, name, values);
  }

  private void addList(SIPMessage msg, String name, String values) throws ParseException {
    for (String value : values.split(",")) {
      if (!value.isBlank()) {
        msg.addHeader(headers.createHeader(name, value.trim()));
      }
    }
  }

  /** Adds a header (another value of a list header such as Supported). */
  public void addHeader(SIPMessage msg, String name, String value) throws ParseException {
    msg.addHeader(headers.createHeader(name, value));
  }

  /** Adds a Warning (RFC 3261 §20.43) naming this SBC as the agent. */
  public void warning(SIPMessage msg, int code, String text) throws ParseException {
    addHeader(msg, "Warning", code + " " + sip.advertisedHost() + " \"" + text.replace("\"", "'") + "\"");
  }

  /** Sets the body to a session description. */
  public void setSdp(SIPMessage msg, String sdp) throws ParseException {
    msg.setContent(sdp.getBytes(StandardCharsets.UTF_8), headers.createContentTypeHeader("application", "sdp"));
  }

  /**
   * Replaces the session description of a relayed body: inside a multipart body only its SDP part
   * (the ISUP of SIP-I/SIP-T stays), else the whole body as {@code application/sdp}.
   */
  public void replaceSdp(SIPMessage msg, String sdp) throws ParseException {
    ContentTypeHeader type = msg.getContentTypeHeader();
    java.util.Optional<byte[]> multipart = type == null ? java.util.Optional.empty()
        : SessionBody.withSdp(((SIPHeader) type).getHeaderValue(), msg.getRawContent(), sdp);
    if (multipart.isPresent()) {
      msg.setContent(multipart.get(), (ContentTypeHeader) type.clone());
    } else {
      setSdp(msg, sdp);
    }
  }

  private static String unbracket(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }
}
