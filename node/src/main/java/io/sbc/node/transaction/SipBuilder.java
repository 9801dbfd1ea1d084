package io.sbc.node.transaction;

import gov.nist.javax.sip.address.AddressFactoryImpl;
import gov.nist.javax.sip.header.HeaderFactoryImpl;
import gov.nist.javax.sip.header.SIPHeader;
import gov.nist.javax.sip.message.MessageFactoryImpl;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.gateway.Flow;
import io.sbc.gateway.GatewaySettings;
import io.sbc.node.dialog.Leg;
import io.sbc.node.routing.RouteTable;
import io.sbc.protocol.Transport;
import io.sbc.protocol.sdp.SessionBody;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.ListIterator;
import java.util.Locale;
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

  private static final Set<String> LEG_LOCAL_OPTIONS = Set.of("timer", "100rel");

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
    return "sip:sbc@"
        + (local.isEmpty() ? sip.hostPort() : local)
        + (transport == Transport.UDP ? "" : ";transport=" + transport.token());
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
    copyPassedHeaders(aInvite, invite);
    return invite;
  }

  /** An in-dialog request from the SBC on a leg (BYE, re-INVITE, relayed INFO, ACK, ...). */
  public SIPRequest inDialog(Leg leg, String method, long cseq, String branch, SIPMessage source)
      throws ParseException, InvalidArgumentException {
    SIPRequest req =
        request(addresses.createURI(leg.remoteTarget()), method, leg, cseq, branch,
            leg.flow().transport(), 70);
    for (String route : leg.routeSet()) {
      req.addHeader(headers.createHeader("Route", route));
    }
    if (method.equals("INVITE") || method.equals("UPDATE") || method.equals("SUBSCRIBE")
        || method.equals("NOTIFY") || method.equals("REFER")) {
      req.setHeader(contact(leg.flow().transport(), leg.flow().localAddress()));
    }
    if (source != null) {
      copyBody(source, req);
      copyPassedHeaders(source, req);
    }
    return req;
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

  /** The SBC's Via at {@code local} (a gateway's advertised {@code host:port}; empty: this node's). */
  private ViaHeader via(String local, Transport transport, String branch) throws ParseException, InvalidArgumentException {
    int colon = local.lastIndexOf(':');
    ViaHeader via = local.isEmpty() || colon < 0
        ? headers.createViaHeader(sip.advertisedHost(), sip.port(), transport.token(), branch)
        : headers.createViaHeader(unbracket(local.substring(0, colon)), Integer.parseInt(local.substring(colon + 1)),
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
      resp.setHeader(contact(Transport.fromToken(request.getTopmostVia().getTransport()), flow.localAddress()));
    }
    if (relayed != null) {
      copyBody(relayed, resp);
      copyPassedHeaders(relayed, resp);
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

  private void copyPassedHeaders(SIPMessage from, SIPMessage to) throws ParseException {
    for (String name : PASSED_HEADERS) {
      ListIterator<SIPHeader> it = from.getHeaders(name);
      while (it != null && it.hasNext()) {
        SIPHeader h = it.next();
        if (name.equals("Supported")) {
          // Option tags of extensions the SBC runs per leg (timer) or does not offer (100rel:
          // the peer would wait for PRACKs) stay on their leg; the others pass.
          String kept = Arrays.stream(h.getHeaderValue().split(","))
              .map(String::trim)
              .filter(t -> !t.isEmpty() && !LEG_LOCAL_OPTIONS.contains(t.toLowerCase(Locale.ROOT)))
              .collect(Collectors.joining(", "));
          if (!kept.isEmpty()) {
            to.addHeader(headers.createHeader(name, kept));
          }
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
