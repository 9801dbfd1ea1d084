package io.sbc.node.call;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sbc.node.config.SbcSettings;
import io.sbc.node.transaction.SipBuilder;
import io.sbc.node.metrics.CallMetrics;
import io.sbc.node.gateways.LiveGateways;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
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
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One {@link CallEntity} driven with real SIP messages; a probe stands in for the gateway and
 * sees every message the call sends. T1 is long here so that no retransmission interleaves.
 */
class CallEntityTest {
  private static final Config CONFIG = ConfigFactory.parseString(
          "pekko.actor.serialization-bindings { \"io.sbc.gateway.CborSerializable\" = jackson-cbor }\n"
              + "sbc.transaction { t1 = 5s, t2 = 10s }\n"
              + "sbc.next-hop = \"sip:127.0.0.1:5070\"")
      .withFallback(PersistenceTestKitPlugin.config())
      .withFallback(ConfigFactory.defaultReference())
      .resolve();
  private static final ActorTestKit KIT = ActorTestKit.create("call-entity-test", CONFIG);
  private static final AtomicInteger IDS = new AtomicInteger();

  private TestProbe<GatewayCommand> gateway;
  private ActorRef<CallEntity.Command> call;
  private Flow fromA;
  private Flow fromB;
  private String aCallId;

  @BeforeEach
  void newCall() {
    gateway = KIT.createTestProbe();
    TestProbe<ClusterSharding.ShardCommand> shard = KIT.createTestProbe();
    SbcSettings settings = SbcSettings.create(CONFIG);
    CallServices services = new CallServices(settings, settings::configuredRoutes, settings::configuredSessionTimer,
        new SipBuilder(settings.sip()), new CallIds("test"),
        gateway.ref(), new CallMetrics(new SimpleMeterRegistry()), new AdmissionControl(0, 5),
        route -> settings.midcallPolicy(), LiveGateways.direct(), entityId -> { });
    int n = IDS.incrementAndGet();
    aCallId = "a-call-" + n + "@caller.example";
    call = KIT.spawn(CallEntity.create("entity-" + n, shard.ref(), services));
    fromA = new Flow(Transport.UDP, "127.0.0.1", 5080, "", gateway.ref());
    fromB = new Flow(Transport.UDP, "127.0.0.1", 5070, "", gateway.ref());
  }

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  @Test
  void newCallIsRelayedWithTheSbcsOwnIdentifiers() {
    SIPRequest bInvite = startCall();
    assertTrue(bInvite.getCallId().getCallId().startsWith("sbc-"), bInvite.getCallId().getCallId());
    assertNotEquals("a1", bInvite.getFromTag());
    assertNull(bInvite.getToTag());
    assertEquals(1, bInvite.getViaHeaders().size(), "only the SBC's own Via");
    assertNull(bInvite.getRecordRouteHeaders(), "A's Record-Route must not leak to B");
    assertTrue(bInvite.getRequestURI().toString().startsWith("sip:bob@127.0.0.1:5070"), bInvite.getRequestURI().toString());
    assertTrue(new String(bInvite.getRawContent(), StandardCharsets.UTF_8).contains("m=audio 6000"));
    assertEquals(69, bInvite.getMaxForwards().getMaxForwards());
  }

  @Test
  void cancelWaitsForAProvisionalResponseBeforeGoingToB() throws Exception {
    SIPRequest bInvite = startCall();
    inbound(aRequest("CANCEL", "", "CSeq: 1 CANCEL"), fromA);
    assertEquals(200, ((SIPResponse) nextSent()).getStatusCode());
    SIPResponse terminated = (SIPResponse) nextSent();
    assertEquals(487, terminated.getStatusCode());
    assertEquals("INVITE", terminated.getCSeq().getMethod());
    gateway.expectNoMessage(Duration.ofMillis(300)); // RFC 3261 §9.1: no CANCEL before a provisional

    inbound(SipCodec.encode(withToTag(bInvite.createResponse(180), "b1")), fromB);
    SIPRequest cancel = (SIPRequest) nextSent();
    assertEquals("CANCEL", cancel.getMethod());
    assertEquals(bInvite.getTopmostVia().getBranch(), cancel.getTopmostVia().getBranch());
  }

  @Test
  void answeredCallIsConfirmedOnBothLegsAndARetransmitted2xxGetsTheAckAgain() throws Exception {
    SIPRequest bInvite = startCall();
    byte[] ok = SipCodec.encode(answer(bInvite));
    inbound(ok, fromB);
    SIPResponse aOk = (SIPResponse) nextSent();
    assertEquals(200, aOk.getStatusCode());
    assertEquals(aCallId, aOk.getCallId().getCallId());
    assertTrue(aOk.getContactHeader().getAddress().getURI().toString().startsWith("sip:sbc@"));

    String aAck = "ACK sip:sbc@127.0.0.1:5060 SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKack1\r\n"
        + "Max-Forwards: 70\r\n"
        + "From: \"Alice\" <sip:alice@caller.example>;tag=a1\r\n"
        + "To: <sip:bob@sbc.example>;tag=" + aOk.getToTag() + "\r\n"
        + "Call-ID: " + aCallId + "\r\n"
        + "CSeq: 1 ACK\r\n"
        + "Content-Length: 0\r\n\r\n";
    inbound(aAck.getBytes(StandardCharsets.UTF_8), fromA);
    GatewayCommand.Send ackSend = nextSend();
    SIPRequest bAck = (SIPRequest) decode(ackSend.bytes());
    assertEquals("ACK", bAck.getMethod());
    assertEquals(bInvite.getCallId().getCallId(), bAck.getCallId().getCallId());
    assertEquals("b1", bAck.getToTag());
    assertEquals("sip:uas@127.0.0.1:5070", bAck.getRequestURI().toString(), "ACK goes to B's Contact");

    inbound(ok, fromB); // B did not see the ACK and retransmits its 200 (RFC 3261 §13.2.2.4)
    assertArrayEquals(ackSend.bytes(), nextSend().bytes());
  }

  // ---- helpers ----------------------------------------------------------------------------

  /** Caller's INVITE in; returns the INVITE the SBC sent to B after its 100 Trying to A. */
  private SIPRequest startCall() {
    inbound(aRequest("INVITE", "Contact: <sip:alice@127.0.0.1:5080>\r\nRecord-Route: <sip:proxy.caller.example;lr>\r\n", "CSeq: 1 INVITE"), fromA);
    SIPResponse trying = (SIPResponse) nextSent();
    assertEquals(100, trying.getStatusCode());
    SIPRequest invite = (SIPRequest) nextSent();
    assertEquals("INVITE", invite.getMethod());
    return invite;
  }

  private byte[] aRequest(String method, String extraHeaders, String cseq) {
    String sdp = "v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\n";
    boolean withBody = method.equals("INVITE");
    String text = method + " sip:bob@sbc.example SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKa1;rport\r\n"
        + "Max-Forwards: 70\r\n"
        + "From: \"Alice\" <sip:alice@caller.example>;tag=a1\r\n"
        + "To: <sip:bob@sbc.example>\r\n"
        + "Call-ID: " + aCallId + "\r\n"
        + cseq + "\r\n"
        + extraHeaders
        + (withBody ? "Content-Type: application/sdp\r\nContent-Length: " + sdp.length() + "\r\n\r\n" + sdp
            : "Content-Length: 0\r\n\r\n");
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private static SIPResponse answer(SIPRequest bInvite) throws Exception {
    SIPResponse ok = withToTag(bInvite.createResponse(200), "b1");
    ok.addHeader("Contact: <sip:uas@127.0.0.1:5070>");
    ok.setContent("v=0\r\no=uas 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 7000 RTP/AVP 0\r\n",
        new gov.nist.javax.sip.header.HeaderFactoryImpl().createContentTypeHeader("application", "sdp"));
    return ok;
  }

  private static SIPResponse withToTag(SIPResponse response, String tag) {
    try {
      response.getTo().setTag(tag);
    } catch (java.text.ParseException e) {
      throw new IllegalStateException(e);
    }
    return response;
  }

  private void inbound(byte[] bytes, Flow flow) {
    call.tell(new CallEntity.Inbound(decode(bytes), flow, System.currentTimeMillis()));
  }

  private GatewayCommand.Send nextSend() {
    return gateway.expectMessageClass(GatewayCommand.Send.class, Duration.ofSeconds(3));
  }

  private SIPMessage nextSent() {
    return decode(nextSend().bytes());
  }

  private static SIPMessage decode(byte[] bytes) {
    DecodeResult r = SipCodec.decode(bytes);
    if (r instanceof DecodeResult.Decoded d) {
      return d.message();
    }
    throw new AssertionError("undecodable: " + ((DecodeResult.Rejected) r).reason() + "\n" + new String(bytes, StandardCharsets.UTF_8));
  }
}
