package io.sbc.loadtests;

import static io.sbc.loadtests.SipPeer.body;
import static io.sbc.loadtests.SipPeer.header;
import static io.sbc.loadtests.SipPeer.isRequest;
import static io.sbc.loadtests.SipPeer.isResponse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * RFC 3262 reliable provisional responses through a real node, leg by leg: RSeq and RAck mapped
 * when both peers use 100rel, the SBC playing the missing side when only one does, and PRACKs
 * that match nothing answered 481 while the call goes on.
 */
@Timeout(60)
class ReliableProvisionalsIT {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final String[] CASES = {"e2e", "required", "calleeonly", "badrack"};
  private static final Map<String, SipPeer> CALLEES = new LinkedHashMap<>();
  private static final AtomicInteger CALLS = new AtomicInteger();
  private static NodeProcess node;

  @BeforeAll
  static void start() throws Exception {
    StringBuilder routes = new StringBuilder("sbc.routes = [");
    for (String c : CASES) {
      SipPeer callee = new SipPeer(c + "-callee");
      CALLEES.put(c, callee);
      routes.append("{ name = \"").append(c).append("\", user-prefix = \"").append(c)
          .append("\", next-hop = \"sip:127.0.0.1:").append(callee.port()).append("\" }\n");
    }
    node = NodeProcess.start("prack", "sip:127.0.0.1:" + CALLEES.get("e2e").port(), routes.append("]").toString());
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    CALLEES.values().forEach(SipPeer::close);
  }

  private record Call(SipPeer caller, String ruri, String callId) {}

  private static Call invite(SipPeer caller, String user, String extra) throws Exception {
    Call c = new Call(caller, "sip:" + user + "@127.0.0.1:" + node.sipPort, user + "-" + CALLS.incrementAndGet() + "@prack.test");
    caller.send(caller.request("INVITE", c.ruri(), c.callId(), "a1", "", 1, SipPeer.branch(), extra, SipPeer.SDP_OFFER),
        node.sipPort);
    return c;
  }

  private static void prack(Call c, String toTag, long cseq, String rack) throws Exception {
    String header = rack == null ? "" : "RAck: " + rack + "\r\n";
    c.caller().send(c.caller().request("PRACK", c.ruri(), c.callId(), "a1", toTag, cseq, SipPeer.branch(), header, null),
        node.sipPort);
  }

  private static SIPResponse provisional(Call c, int status) throws InterruptedException {
    return (SIPResponse) c.caller().await(status + " to INVITE", isResponse("INVITE", status, c.callId()), WAIT);
  }

  private static boolean reliable(SIPMessage m) {
    String require = header(m, "Require");
    return require != null && require.contains("100rel") && header(m, "RSeq") != null;
  }

  private static long rseq(SIPMessage m) {
    return Long.parseLong(header(m, "RSeq"));
  }

  @Test
  void reliableProvisionalsAndPracksAreRelayedEndToEndWithRseqAndRackMappedPerLeg() throws Exception {
    SipPeer callee = CALLEES.get("e2e");
    try (SipPeer caller = new SipPeer("alice")) {
      Call c = invite(caller, "e2e", "Supported: 100rel\r\n");
      SIPRequest inv = callee.awaitRequest("INVITE", WAIT);
      assertTrue(header(inv, "Supported").contains("100rel"), "the caller's 100rel reaches the callee");
      long bCseq = inv.getCSeq().getSeqNumber();
      callee.respond(inv, 183, "Session Progress", "b1", "Require: 100rel\r\nRSeq: 5000\r\n", SipPeer.SDP_ANSWER);
      SIPResponse p1 = provisional(c, 183);
      assertTrue(reliable(p1), p1.toString());
      long x = rseq(p1);
      assertEquals(SipPeer.SDP_ANSWER, body(p1));
      // the SBC retransmits it to the caller until the PRACK (T1 = 500 ms); the callee's own
      // retransmission of the same RSeq is absorbed, not relayed as a new one
      callee.respond(inv, 183, "Session Progress", "b1", "Require: 100rel\r\nRSeq: 5000\r\n", SipPeer.SDP_ANSWER);
      SIPResponse again = provisional(c, 183);
      assertEquals(x, rseq(again), "a retransmission of the SBC's own, same RSeq");
      assertNull(caller.poll(m -> isResponse("INVITE", 183, c.callId()).test(m) && (!reliable(m) || rseq(m) != x), Duration.ofMillis(300)));

      prack(c, p1.getToTag(), 2, x + " 1 INVITE");
      SIPRequest toCallee = (SIPRequest) callee.await("PRACK", isRequest("PRACK", inv.getCallId().getCallId()), WAIT);
      assertEquals("5000 " + bCseq + " INVITE", header(toCallee, "RAck"), "RAck mapped to the callee's RSeq and CSeq");
      assertEquals("b1", toCallee.getToTag());
      assertTrue(toCallee.getCSeq().getSeqNumber() > bCseq);
      callee.respond(toCallee, 200, "OK", "", "", null);
      c.caller().await("200 to PRACK", isResponse("PRACK", 200, c.callId()), WAIT);
      while (caller.poll(isResponse("INVITE", 183, c.callId()), Duration.ofMillis(100)) != null) {
        // copies that crossed the PRACK
      }
      assertNull(caller.poll(isResponse("INVITE", 183, c.callId()), Duration.ofMillis(1200)), "PRACKed: no more copies");

      // the next reliable provisional: the next RSeq on each leg
      callee.respond(inv, 180, "Ringing", "b1", "Require: 100rel\r\nRSeq: 5001\r\n", null);
      SIPResponse p2 = provisional(c, 180);
      assertEquals(x + 1, rseq(p2));
      prack(c, p1.getToTag(), 3, (x + 1) + " 1 INVITE");
      toCallee = (SIPRequest) callee.await("PRACK", isRequest("PRACK", inv.getCallId().getCallId()), WAIT);
      assertEquals("5001 " + bCseq + " INVITE", header(toCallee, "RAck"));
      callee.respond(toCallee, 200, "OK", "", "", null);
      c.caller().await("200 to PRACK", isResponse("PRACK", 200, c.callId()), WAIT);

      answerAndHangUp(c, callee, inv, 4);
    }
  }

  @Test
  void aCallerRequiring100relGetsReliableProvisionalsEvenFromACalleeThatSendsThemUnreliably() throws Exception {
    SipPeer callee = CALLEES.get("required");
    try (SipPeer caller = new SipPeer("alice")) {
      Call c = invite(caller, "required", "Require: 100rel\r\nSupported: 100rel\r\n");
      SIPRequest inv = callee.awaitRequest("INVITE", WAIT);
      assertTrue(header(inv, "Require").contains("100rel"), "required of the callee too");
      callee.respond(inv, 180, "Ringing", "b1", "", null); // a callee that ignores it
      SIPResponse ringing = provisional(c, 180);
      assertTrue(reliable(ringing), "never silently unreliable to a caller that requires 100rel: " + ringing);
      prack(c, ringing.getToTag(), 2, rseq(ringing) + " 1 INVITE");
      c.caller().await("200 to PRACK", isResponse("PRACK", 200, c.callId()), WAIT);
      assertNull(callee.poll(m -> m instanceof SIPRequest r && r.getMethod().equals("PRACK"), Duration.ofMillis(500)),
          "the callee sent nothing reliably: the SBC answers the PRACK");
      answerAndHangUp(c, callee, inv, 3);
    }
  }

  @Test
  void aReliableProvisionalFromTheCalleeIsPrackedByTheSbcWhenTheCallerDoesNotDo100rel() throws Exception {
    SipPeer callee = CALLEES.get("calleeonly");
    try (SipPeer caller = new SipPeer("alice")) {
      Call c = invite(caller, "calleeonly", "");
      SIPRequest inv = callee.awaitRequest("INVITE", WAIT);
      String supported = header(inv, "Supported");
      assertTrue(supported == null || !supported.contains("100rel"), "the SBC does not offer what the caller did not");
      callee.respond(inv, 183, "Session Progress", "b1", "Require: 100rel\r\nRSeq: 77\r\n", SipPeer.SDP_ANSWER);
      SIPRequest prack = (SIPRequest) callee.await("PRACK", isRequest("PRACK", inv.getCallId().getCallId()), WAIT);
      assertEquals("77 " + inv.getCSeq().getSeqNumber() + " INVITE", header(prack, "RAck"));
      assertEquals("b1", prack.getToTag());
      callee.respond(prack, 200, "OK", "", "", null);
      SIPResponse progress = provisional(c, 183);
      assertFalse(reliable(progress), "relayed unreliably to a caller without 100rel: " + progress);
      assertNull(header(progress, "RSeq"));
      assertEquals(SipPeer.SDP_ANSWER, body(progress));
      callee.respond(inv, 183, "Session Progress", "b1", "Require: 100rel\r\nRSeq: 77\r\n", SipPeer.SDP_ANSWER);
      assertNull(callee.poll(isRequest("PRACK", inv.getCallId().getCallId()), Duration.ofMillis(600)),
          "a retransmission is absorbed (the PRACK transaction answers for itself)");
      answerAndHangUp(c, callee, inv, 2);
    }
  }

  @Test
  void pracksMatchingNoReliableProvisionalAreRefusedAndTheCallGoesOn() throws Exception {
    SipPeer callee = CALLEES.get("badrack");
    try (SipPeer caller = new SipPeer("alice")) {
      Call c = invite(caller, "badrack", "Supported: 100rel\r\n");
      SIPRequest inv = callee.awaitRequest("INVITE", WAIT);
      callee.respond(inv, 183, "Session Progress", "b1", "Require: 100rel\r\nRSeq: 10\r\n", SipPeer.SDP_ANSWER);
      SIPResponse p = provisional(c, 183);
      long x = rseq(p);
      String tag = p.getToTag();
      long cseq = 2;
      for (String rack : new String[] {(x + 7) + " 1 INVITE", x + " 9 INVITE", x + " 1 UPDATE", null}) {
        prack(c, tag, cseq++, rack);
        SIPResponse refused = caller.awaitFinal("PRACK", WAIT);
        assertEquals(481, refused.getStatusCode(), "RAck " + rack + " (RFC 3262 §3)");
      }
      prack(c, tag, cseq++, "not a number");
      SIPResponse garbage = caller.awaitFinal("PRACK", WAIT);
      assertEquals(400, garbage.getStatusCode(), "an unparsable RAck is a bad request (RFC 3261 §8.2)");
      assertNull(callee.poll(m -> m instanceof SIPRequest r && r.getMethod().equals("PRACK"), Duration.ofMillis(300)));
      prack(c, tag, cseq++, x + " 1 INVITE");
      SIPRequest toCallee = (SIPRequest) callee.await("PRACK", isRequest("PRACK", inv.getCallId().getCallId()), WAIT);
      assertEquals("10 " + inv.getCSeq().getSeqNumber() + " INVITE", header(toCallee, "RAck"));
      callee.respond(toCallee, 200, "OK", "", "", null);
      assertEquals(200, caller.awaitFinal("PRACK", WAIT).getStatusCode());
      prack(c, tag, cseq++, x + " 1 INVITE");
      assertEquals(481, caller.awaitFinal("PRACK", WAIT).getStatusCode(), "already acknowledged");
      answerAndHangUp(c, callee, inv, cseq);
    }
  }

  private static void answerAndHangUp(Call c, SipPeer callee, SIPRequest inv, long byeCseq) throws Exception {
    callee.respond(inv, 200, "OK", "b1", "", SipPeer.SDP_ANSWER);
    SIPResponse ok = (SIPResponse) c.caller().await("200 to INVITE", isResponse("INVITE", 200, c.callId()), WAIT);
    c.caller().send(c.caller().ackFor(ok, c.ruri(), SipPeer.branch(), null), node.sipPort);
    callee.awaitRequest("ACK", WAIT);
    c.caller().send(c.caller().request("BYE", c.ruri(), c.callId(), "a1", ok.getToTag(), byeCseq, SipPeer.branch(), "",
        null), node.sipPort);
    assertEquals(200, c.caller().awaitFinal("BYE", WAIT).getStatusCode());
    SIPRequest bye = callee.awaitRequest("BYE", WAIT);
    callee.respond(bye, 200, "OK", "", "", null);
  }
}
