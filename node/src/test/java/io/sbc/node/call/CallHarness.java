package io.sbc.node.call;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sbc.node.config.SbcSettings;
import io.sbc.node.routing.RouteTable;
import io.sbc.node.transaction.SipBuilder;
import io.sbc.node.metrics.CallMetrics;
import io.sbc.node.policy.MidcallPolicy;
import io.sbc.node.gateways.LiveGateways;
import com.typesafe.config.Config;
import gov.nist.javax.sip.header.HeaderFactoryImpl;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sbc.gateway.AdmissionControl;
import io.sbc.gateway.Flow;
import io.sbc.gateway.GatewayCommand;
import io.sbc.protocol.CallIds;
import io.sbc.protocol.DecodeResult;
import io.sbc.protocol.SipCodec;
import io.sbc.protocol.Transport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * Drives one {@link CallEntity} with real SIP messages as caller (A) and callee (B); a probe
 * stands in for the gateway and sees everything the call sends. The entity can be stopped and
 * started again under the same id (the persistence testkit keeps its journal).
 */
final class CallHarness {
  private static final AtomicInteger IDS = new AtomicInteger();

  final ActorTestKit kit;
  final TestProbe<GatewayCommand> gateway;
  final AtomicReference<MidcallPolicy> policy = new AtomicReference<>(MidcallPolicy.PASSTHRU);
  /** The route table and session-timer settings in force, as the runtime stores would give them. */
  final AtomicReference<RouteTable> routes;
  final AtomicReference<SbcSettings.SessionTimerSettings> sessionTimer;
  final CallServices services;
  /** Entity ids the calls asked sharding to wake (a hand-off's successor). */
  final java.util.List<String> woken = new java.util.concurrent.CopyOnWriteArrayList<>();
  /** The call's meters (each harness has its own registry). */
  final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  final String entityId;
  final String aCallId;
  final Flow fromA;
  final Flow fromB;
  ActorRef<CallEntity.Command> call;
  private final TestProbe<ClusterSharding.ShardCommand> shard;
  private long aCseq = 1;
  private int branches;
  /** B's dialog as the SBC set it up: its INVITE (Call-ID, tags) and our To-tag on A. */
  SIPRequest bInvite;
  /** Where the SBC sent B's INVITE (the next hop of the call's route). */
  Flow bInviteFlow;
  String aToTag;
  private long bCseq = 100;

  CallHarness(ActorTestKit kit, Config config) {
    this(kit, config, LiveGateways.direct());
  }

  /** With {@code routing} deciding whether a flow's gateway is usable and where it re-homes. */
  CallHarness(ActorTestKit kit, Config config, LiveGateways routing) {
    this(kit, config, routing, System::getenv);
  }

  /** With {@code environment} as the process environment the call reads (route passwords). */
  CallHarness(ActorTestKit kit, Config config, java.util.function.Function<String, String> environment) {
    this(kit, config, LiveGateways.direct(), environment);
  }

  private CallHarness(ActorTestKit kit, Config config, LiveGateways routing,
      java.util.function.Function<String, String> environment) {
    this.kit = kit;
    this.gateway = kit.createTestProbe();
    this.shard = kit.createTestProbe();
    SbcSettings settings = SbcSettings.create(config);
    this.routes = new AtomicReference<>(settings.configuredRoutes());
    this.sessionTimer = new AtomicReference<>(settings.configuredSessionTimer());
    this.services = new CallServices(settings, routes::get, sessionTimer::get,
        new SipBuilder(settings.sip()), new CallIds("test"),
        gateway.ref(), new CallMetrics(registry), new AdmissionControl(0, 5),
        route -> policy.get(), routing, woken::add, environment);
    int n = IDS.incrementAndGet();
    this.entityId = "harness-" + n;
    this.aCallId = "a-call-" + n + "@caller.example";
    this.fromA = new Flow(Transport.UDP, "127.0.0.1", 5080, "", gateway.ref());
    this.fromB = new Flow(Transport.UDP, "127.0.0.1", 5070, "", gateway.ref());
    spawn();
  }

  void spawn() {
    call = kit.spawn(CallEntity.create(entityId, shard.ref(), services));
  }

  /** Kills this incarnation without a word (as a node loss would) and waits for it to end. */
  void kill() {
    TestProbe<Object> watcher = kit.createTestProbe();
    kit.stop(call);
    watcher.expectTerminated(call, Duration.ofSeconds(3));
  }

  /** Stops this incarnation (as passivation or a shard's hand-off does) and waits for it to end. */
  void stop() {
    TestProbe<Object> watcher = kit.createTestProbe();
    call.tell(new CallEntity.Stop());
    watcher.expectTerminated(call, Duration.ofSeconds(3));
  }

  /** A counter's count, 0 when it was never made; {@code tags} as key, value, ... */
  double count(String name, String... tags) {
    io.micrometer.core.instrument.Counter c = registry.find(name).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  static final String A_SDP =
      "v=0\r\no=alice 42 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
          + "m=audio 6000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";
  static final String B_SDP =
      "v=0\r\no=bob 77 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
          + "m=audio 7000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n";

  static String sdp(String origin, int version, String media) {
    return "v=0\r\no=" + origin + " " + version + " IN IP4 127.0.0.1\r\n"
        + "s=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" + media;
  }

  /** INVITE from A (extra headers e.g. Session-Expires); returns the INVITE the SBC sent to B. */
  SIPRequest invite(String extraHeaders) {
    send(aRequest("INVITE", null, extraHeaders, A_SDP), fromA);
    SIPMessage first = next();
    if (first instanceof SIPResponse r && r.getStatusCode() != 100) {
      throw new AssertionError("expected 100 Trying, got " + r.getFirstLine());
    }
    GatewayCommand.Send toB = nextSend(Duration.ofSeconds(3));
    bInviteFlow = toB.flow();
    bInvite = (SIPRequest) decode(toB.bytes());
    assertEquals("INVITE", bInvite.getMethod());
    return bInvite;
  }

  /**
   * A request from A as text: {@code requestUri} and {@code from} (a name-addr) as given, the call's
   * Call-ID, {@code extraHeaders} (lines ending in CRLF), a body of {@code contentType} (null: none).
   */
  String aText(String method, String requestUri, String from, String toTag, long cseq, String extraHeaders,
      String contentType, String body) {
    String b = body == null ? "" : body;
    return method + " " + requestUri + " SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKa" + (++branches) + ";rport\r\n"
        + "Max-Forwards: 70\r\n"
        + "From: " + from + ";tag=a1\r\n"
        + "To: <" + requestUri + ">" + (toTag == null ? "" : ";tag=" + toTag) + "\r\n"
        + "Call-ID: " + aCallId + "\r\n"
        + "CSeq: " + cseq + " " + method + "\r\n"
        + "Contact: <sip:alice@127.0.0.1:5080>\r\n"
        + extraHeaders + (body == null ? "" : "Content-Type: " + contentType + "\r\n")
        + "Content-Length: " + b.getBytes(StandardCharsets.ISO_8859_1).length + "\r\n\r\n" + b;
  }

  /**
   * An INVITE from A given as text (see {@link #aText}; its CSeq becomes A's): expects 100 Trying and
   * returns the INVITE the SBC sent to B (null when the SBC answered A with a final instead).
   */
  SIPRequest inviteText(String text) {
    SIPRequest sent = (SIPRequest) decode(text.getBytes(StandardCharsets.ISO_8859_1));
    aCseq = sent.getCSeq().getSeqNumber();
    send(text.getBytes(StandardCharsets.ISO_8859_1), fromA);
    SIPMessage first = next();
    if (first instanceof SIPResponse r && r.getStatusCode() != 100) {
      lastToA = r;
      return null;
    }
    GatewayCommand.Send toB = nextSend(Duration.ofSeconds(3));
    bInviteFlow = toB.flow();
    bInvite = (SIPRequest) decode(toB.bytes());
    assertEquals("INVITE", bInvite.getMethod());
    return bInvite;
  }

  /** The final response A got instead of a 100 in {@link #inviteText}. */
  SIPResponse lastToA;

  /** B answers 200 (extra headers e.g. Session-Expires), A gets it and ACKs; returns A's 200. */
  SIPResponse answer(String extraHeaders) throws Exception {
    SIPResponse ok = response(bInvite, 200, "b1", extraHeaders, B_SDP);
    send(SipCodec.encode(ok), fromB);
    SIPResponse aOk = (SIPResponse) next();
    assertEquals(200, aOk.getStatusCode(), aOk.toString());
    aToTag = aOk.getToTag();
    send(aRequest("ACK", aToTag, "", null, aCseq), fromA);
    SIPRequest bAck = (SIPRequest) next();
    assertEquals("ACK", bAck.getMethod());
    return aOk;
  }

  /** An in-dialog request from A (after {@link #answer}); {@code sdp} null for none. */
  void fromA(String method, String extraHeaders, String sdp) {
    send(aRequest(method, aToTag, extraHeaders, sdp, method.equals("ACK") ? aCseq : ++aCseq), fromA);
  }

  /** ACK from A for its latest INVITE. */
  void ackFromA(String sdp) {
    send(aRequest("ACK", aToTag, "", sdp, aCseq), fromA);
  }

  /** An in-dialog request from B towards the SBC, in the B-leg dialog. */
  SIPRequest fromB(String method, String extraHeaders, String sdp) {
    String text = method + " " + bInvite.getContactHeader().getAddress().getURI() + " SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKb" + (++branches) + "\r\n"
        + "Max-Forwards: 70\r\n"
        + "From: <sip:bob@127.0.0.1:5070>;tag=b1\r\n"
        + "To: " + bInvite.getFrom().getAddress() + ";tag=" + bInvite.getFromTag() + "\r\n"
        + "Call-ID: " + bInvite.getCallId().getCallId() + "\r\n"
        + "CSeq: " + (++bCseq) + " " + method + "\r\n"
        + "Contact: <sip:uas@127.0.0.1:5070>\r\n"
        + extraHeaders + body(sdp);
    SIPRequest req = (SIPRequest) decode(text.getBytes(StandardCharsets.UTF_8));
    send(text.getBytes(StandardCharsets.UTF_8), fromB);
    return req;
  }

  /** A response from the peer of a request the SBC sent it. */
  static SIPResponse response(SIPRequest req, int status, String toTag, String extraHeaders, String sdp) throws Exception {
    SIPResponse r = req.createResponse(status);
    if (r.getTo().getTag() == null) {
      r.getTo().setTag(toTag);
    }
    if (status < 300 && (req.getMethod().equals("INVITE") || req.getMethod().equals("UPDATE"))) {
      r.addHeader("Contact: <sip:uas@127.0.0.1:5070>");
    }
    for (String h : extraHeaders.split("\r\n")) {
      if (!h.isBlank()) {
        r.addHeader(h);
      }
    }
    if (sdp != null) {
      r.setContent(sdp, new HeaderFactoryImpl().createContentTypeHeader("application", "sdp"));
    }
    return r;
  }

  void reply(SIPRequest req, int status, String extraHeaders, String sdp, Flow flow) throws Exception {
    send(SipCodec.encode(response(req, status, "b1", extraHeaders, sdp)), flow);
  }

  private byte[] aRequest(String method, String toTag, String extraHeaders, String sdp) {
    return aRequest(method, toTag, extraHeaders, sdp, aCseq);
  }

  private byte[] aRequest(String method, String toTag, String extraHeaders, String sdp, long cseq) {
    String text = method + " sip:bob@sbc.example SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKa" + (++branches) + ";rport\r\n"
        + "Max-Forwards: 70\r\n"
        + "From: \"Alice\" <sip:alice@caller.example>;tag=a1\r\n"
        + "To: <sip:bob@sbc.example>" + (toTag == null ? "" : ";tag=" + toTag) + "\r\n"
        + "Call-ID: " + aCallId + "\r\n"
        + "CSeq: " + cseq + " " + method + "\r\n"
        + "Contact: <sip:alice@127.0.0.1:5080>\r\n"
        + extraHeaders + body(sdp);
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static String body(String sdp) {
    return sdp == null
        ? "Content-Length: 0\r\n\r\n"
        : "Content-Type: application/sdp\r\nContent-Length: " + sdp.length() + "\r\n\r\n" + sdp;
  }

  void send(byte[] bytes, Flow flow) {
    call.tell(new CallEntity.Inbound(decode(bytes), flow, System.currentTimeMillis()));
  }

  SIPMessage next() {
    return next(Duration.ofSeconds(3));
  }

  SIPMessage next(Duration within) {
    return decode(nextSend(within).bytes());
  }

  /** The next message the SBC sent, with the flow it went on (where to). */
  GatewayCommand.Send nextSend(Duration within) {
    return gateway.expectMessageClass(GatewayCommand.Send.class, within);
  }

  void nothingSent(Duration during) {
    gateway.expectNoMessage(during);
  }

  static SIPMessage decode(byte[] bytes) {
    DecodeResult r = SipCodec.decode(bytes);
    if (r instanceof DecodeResult.Decoded d) {
      return d.message();
    }
    throw new AssertionError("undecodable: " + ((DecodeResult.Rejected) r).reason() + "\n"
        + new String(bytes, StandardCharsets.UTF_8));
  }

  /** The value of a header (after the colon), as the peer would read it. */
  static String headerValue(SIPMessage m, String name) {
    return ((gov.nist.javax.sip.header.SIPHeader) m.getHeader(name)).getHeaderValue().trim();
  }

  static String body(SIPMessage m) {
    byte[] raw = m.getRawContent();
    return raw == null ? "" : new String(raw, StandardCharsets.UTF_8);
  }
}
