package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three real nodes behind the shipped front (Kamailio dispatcher, {@code deploy/front}): the
 * caller and the callee know only the front's address, see only it (Via, Contact), and keep
 * using it when the node that took the call is killed with kill -9: nobody moves them.
 */
class FrontIT {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static PostgresServer pg;
  private static FrontProcess front;
  private static final List<NodeProcess> nodes = new ArrayList<>();
  private static SipPeer caller;
  private static SipPeer callee;

  @BeforeAll
  static void start() throws Exception {
    pg = PostgresServer.start("front");
    caller = new SipPeer("alice");
    callee = new SipPeer("bob");
    int seedPort = Ports.free();
    List<Integer> sipPorts = List.of(Ports.free(), Ports.free(), Ports.free());
    front = FrontProcess.start("front", sipPorts);
    String config = PostgresJournalIT.journalConfig(pg.jdbcUrl())
        + "sbc.cluster.seed-nodes = \"127.0.0.1:" + seedPort + "\"\n" + front.nodeConfig();
    String hop = "sip:127.0.0.1:" + callee.port();
    nodes.add(NodeProcess.start("front-1", hop, config, seedPort, sipPorts.get(0), Ports.free()));
    nodes.add(NodeProcess.start("front-2", hop, config, Ports.free(), sipPorts.get(1), Ports.free()));
    nodes.add(NodeProcess.start("front-3", hop, config, Ports.free(), sipPorts.get(2), Ports.free()));
    nodes.get(0).awaitUpMembers(3);
    front.awaitUp(3);
  }

  @AfterAll
  static void stop() throws Exception {
    for (NodeProcess n : nodes) {
      n.close();
    }
    if (front != null) {
      front.close();
    }
    if (pg != null) {
      pg.close();
    }
    caller.close();
    callee.close();
  }

  @Test
  void peersKnowOnlyTheFrontAndACallOutlivesTheNodeThatTookIt() throws Exception {
    String frontAddress = "127.0.0.1:" + front.port;
    String ruri = "sip:+4930123@" + frontAddress;
    String callId = "front-" + System.nanoTime();
    caller.send(caller.request("INVITE", ruri, callId, "a1", "", 1, SipPeer.branch(), "", SipPeer.SDP_OFFER), front.port);
    SIPRequest invite = callee.awaitRequest("INVITE", Duration.ofSeconds(10));
    Via top = (Via) invite.getViaHeaders().getFirst();
    assertEquals(frontAddress, top.getHost() + ":" + top.getPort(), "the callee is reached from the front");
    assertTrue(SipPeer.header(invite, "Contact").contains(frontAddress), "Contact: " + SipPeer.header(invite, "Contact"));
    Via node = (Via) invite.getViaHeaders().get(1);
    NodeProcess took = nodes.stream().filter(n -> n.sipPort == node.getPort()).findFirst().orElseThrow();
    callee.respond(invite, 200, "OK", "b1", "", SipPeer.SDP_ANSWER);
    SIPResponse ok = (SIPResponse) caller.await("200", SipPeer.isResponse("INVITE", 200, callId), WAIT);
    assertTrue(SipPeer.header(ok, "Contact").contains(frontAddress), "the caller's Contact is the front's");
    caller.send(caller.ackFor(ok, ruri, SipPeer.branch(), null), front.port);
    String bCall = invite.getCallId().getCallId();
    callee.await("ACK", SipPeer.isRequest("ACK", bCall), WAIT);

    took.kill9();
    long killed = System.currentTimeMillis();
    // the caller keeps to the front's address and retransmits as UDP does (T1, doubling, capped)
    String reInvite = caller.request("INVITE", ruri, callId, "a1", ok.getToTag(), 2, SipPeer.branch(), "",
        SipPeer.sdp("caller", 6200));
    SIPRequest atCallee = (SIPRequest) retransmitUntil(reInvite, callee, SipPeer.isRequest("INVITE", bCall));
    callee.respond(atCallee, 200, "OK", "b1", "", SipPeer.SDP_ANSWER);
    SIPResponse reOk = (SIPResponse) retransmitUntil(reInvite, caller, SipPeer.isResponse("INVITE", 200, callId));
    long answered = System.currentTimeMillis() - killed;
    caller.send(caller.ackFor(reOk, ruri, SipPeer.branch(), null), front.port);
    callee.await("ACK of the re-INVITE", SipPeer.isRequest("ACK", bCall), WAIT);
    // the callee hangs up through the front; the SBC's BYE reaches the caller from the front too
    String byeUri = SipPeer.header(invite, "Contact").replaceAll(".*<([^>]+)>.*", "$1");
    String bye = callee.request("BYE", byeUri, bCall, "b1", invite.getFromTag(), 1, SipPeer.branch(), "", null);
    callee.send(bye, front.port);
    assertNotNull(callee.await("200 to the BYE", SipPeer.isResponse("BYE", 200, bCall), WAIT));
    SIPRequest byeAtCaller = (SIPRequest) caller.await("BYE", SipPeer.isRequest("BYE", callId), WAIT);
    Via byeVia = (Via) byeAtCaller.getViaHeaders().getFirst();
    assertEquals(frontAddress, byeVia.getHost() + ":" + byeVia.getPort(), "the SBC's request comes from the front");
    caller.respond(byeAtCaller, 200, "OK", "a1", "", null);
    System.out.printf("front: the node that took the call was killed; its re-INVITE through the same address "
        + "was answered %d ms after the kill%n", answered);
  }

  /** Sends {@code text} to the front at T1, doubling up to 4 s, until {@code peer} gets what {@code match} wants (30 s). */
  private static SIPMessage retransmitUntil(String text, SipPeer peer, Predicate<SIPMessage> match) throws Exception {
    long end = System.currentTimeMillis() + 30_000;
    long interval = 500;
    while (System.currentTimeMillis() < end) {
      caller.send(text, front.port);
      SIPMessage m = peer.poll(match, Duration.ofMillis(interval));
      if (m != null) {
        return m;
      }
      interval = Math.min(interval * 2, 4000);
    }
    throw new AssertionError("nothing through the front within 30 s:\n" + front.tail());
  }
}
