package io.sbc.loadtests;

import static io.sbc.loadtests.SipPeer.body;
import static io.sbc.loadtests.SipPeer.isRequest;
import static io.sbc.loadtests.SipPeer.isResponse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Dialogs through a real node (RFC 3261 §12-17, RFC 3311, RFC 6337), with {@link SipPeer}s on
 * loopback: a forking callee (one peer answering with two To-tags, as a forking proxy would relay
 * them), late ACKs while the callee retransmits its 2xx, requests in early dialogs, and a strict
 * router in the callee's route set. Each test has its own callee, reached by a route of its own.
 */
@Timeout(60)
class DialogsIT {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final String[] CASES = {"fork", "lateack", "reoffer", "earlybye", "earlycancel", "earlyupd", "strict", "refresh"};
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
          .append("\", next-hop = \"sip:127.0.0.1:").append(callee.port()).append("\"")
          // the early UPDATE must be relayed whatever the policy of confirmed calls says
          .append(c.equals("earlyupd") || c.equals("refresh") ? ", midcall-policy = block" : "").append(" }\n");
    }
    node = NodeProcess.start("dialogs", "sip:127.0.0.1:" + CALLEES.get("fork").port(), routes.append("]").toString());
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    CALLEES.values().forEach(SipPeer::close);
  }

  /** One call of a test: the caller's side of it. */
  private record Call(SipPeer caller, String ruri, String callId, String inviteBranch) {}

  private static Call invite(SipPeer caller, String user, String extra, String sdp) throws Exception {
    Call c = new Call(caller, "sip:" + user + "@127.0.0.1:" + node.sipPort,
        user + "-" + CALLS.incrementAndGet() + "@dialogs.test", SipPeer.branch());
    caller.send(caller.request("INVITE", c.ruri(), c.callId(), "a1", "", 1, c.inviteBranch(), extra, sdp), node.sipPort);
    return c;
  }

  /** A request of the caller in its dialog with the SBC ({@code toTag}: the SBC's tag on the A-leg). */
  private static void send(Call c, String method, String toTag, long cseq, String extra, String sdp) throws Exception {
    c.caller().send(c.caller().request(method, c.ruri(), c.callId(), "a1", toTag, cseq, SipPeer.branch(), extra, sdp),
        node.sipPort);
  }

  private static SIPResponse response(Call c, String method, int status) throws InterruptedException {
    return (SIPResponse) c.caller().await(status + " to " + method, isResponse(method, status, c.callId()), WAIT);
  }

  private static SIPRequest request(SipPeer peer, String what, Predicate<SIPMessage> match) throws InterruptedException {
    return (SIPRequest) peer.await(what, match, WAIT);
  }

  private static Predicate<SIPMessage> inFork(String method, String tag) {
    return m -> m instanceof SIPRequest r && r.getMethod().equals(method) && tag.equals(r.getToTag());
  }

  private static String contact(SipPeer peer, String user) {
    return "sip:" + user + "@" + peer.hostPort();
  }

  @Test
  void aForkedCallGivesTheCallerOneDialogAndTheSecondAnswerIsAckedAndHungUp() throws Exception {
    SipPeer callee = CALLEES.get("fork");
    try (SipPeer caller = new SipPeer("alice")) {
      Call c = invite(caller, "fork", "", SipPeer.SDP_OFFER);
      SIPRequest inv = callee.awaitRequest("INVITE", WAIT);
      String sdp1 = SipPeer.sdp("fork1", 7100);
      String sdp2 = SipPeer.sdp("fork2", 7200);
      callee.respondAs("fork1", inv, 180, "Ringing", "f1", "", null);
      callee.respondAs("fork2", inv, 183, "Session Progress", "f2", "", sdp2);
      SIPResponse ringing = response(c, "INVITE", 180);
      SIPResponse progress = response(c, "INVITE", 183);
      String tag = ringing.getToTag();
      assertNotNull(tag);
      assertEquals(tag, progress.getToTag(), "one early dialog towards the caller, whichever fork speaks");
      assertEquals(sdp2, body(progress));

      callee.respondAs("fork1", inv, 200, "OK", "f1", "", sdp1); // fork 1 answers first
      SIPResponse ok = response(c, "INVITE", 200);
      assertEquals(tag, ok.getToTag());
      assertEquals(sdp1, body(ok), "the caller gets the SDP of the fork whose 2xx came first");

      callee.respondAs("fork2", inv, 200, "OK", "f2", "", sdp2); // fork 2 answers too
      SIPRequest ack2 = request(callee, "ACK of fork 2", inFork("ACK", "f2"));
      SIPRequest bye2 = request(callee, "BYE of fork 2", inFork("BYE", "f2"));
      assertEquals(contact(callee, "fork2"), ack2.getRequestURI().toString(), "fork 2's Contact is its target");
      assertEquals(contact(callee, "fork2"), bye2.getRequestURI().toString());
      assertEquals(inv.getCSeq().getSeqNumber(), ack2.getCSeq().getSeqNumber());
      assertTrue(bye2.getCSeq().getSeqNumber() > inv.getCSeq().getSeqNumber());
      assertEquals(inv.getFromTag(), bye2.getFromTag());
      callee.respond(bye2, 200, "OK", "", "", null);
      callee.respondAs("fork2", inv, 200, "OK", "f2", "", sdp2); // retransmitted: the same ACK, no second BYE
      SIPRequest ack2Again = request(callee, "ACK of fork 2 again", inFork("ACK", "f2"));
      assertEquals(ack2.getTopmostVia().getBranch(), ack2Again.getTopmostVia().getBranch());

      assertNull(callee.poll(inFork("ACK", "f1"), Duration.ofMillis(300)), "fork 1 is ACKed by the caller's ACK");
      caller.send(caller.ackFor(ok, c.ruri(), SipPeer.branch(), null), node.sipPort);
      SIPRequest ack1 = request(callee, "ACK of fork 1", inFork("ACK", "f1"));
      assertEquals(contact(callee, "fork1"), ack1.getRequestURI().toString());
      callee.respondAs("fork1", inv, 200, "OK", "f1", "", sdp1); // retransmitted: the same ACK again
      assertEquals(ack1.getTopmostVia().getBranch(),
          request(callee, "ACK of fork 1 again", inFork("ACK", "f1")).getTopmostVia().getBranch());

      send(c, "BYE", tag, 2, "", null); // the call is fork 1's
      assertEquals(200, caller.awaitFinal("BYE", WAIT).getStatusCode());
      SIPRequest bye1 = request(callee, "BYE of fork 1", inFork("BYE", "f1"));
      assertEquals(contact(callee, "fork1"), bye1.getRequestURI().toString());
      callee.respond(bye1, 200, "OK", "", "", null);
      assertNull(callee.poll(inFork("BYE", "f2"), Duration.ofMillis(500)), "fork 2 was hung up once");
    }
  }

  /**
   * The callee's 2xx retransmissions, as a UAS sends them (T1 = 500 ms, doubling) until its ACK
   * comes; counts those sent.
   */
  private static final class Retransmitting implements AutoCloseable {
    final AtomicInteger sent = new AtomicInteger();
    private final Thread thread;

    Retransmitting(SipPeer callee, String response, int port) {
      thread = new Thread(() -> {
        try {
          for (long wait = 500; ; wait = Math.min(wait * 2, 4000)) {
            Thread.sleep(wait);
            callee.send(response, port);
            sent.incrementAndGet();
          }
        } catch (InterruptedException | java.io.IOException stopped) {
          // the ACK came
        }
      }, "retransmit-2xx");
      thread.start();
    }

    @Override
    public void close() throws InterruptedException {
      thread.interrupt();
      thread.join(2000);
    }
  }

  @Test
  void aLateAckWithTheAnswerIsRelayedAndRetransmitted2xxGetNoAckWithoutIt() throws Exception {
    SipPeer callee = CALLEES.get("lateack");
    try (SipPeer caller = new SipPeer("alice")) {
      Call c = invite(caller, "lateack", "", null); // a delayed offer: the callee's 2xx offers
      SIPRequest inv = callee.awaitRequest("INVITE", WAIT);
      assertEquals("", body(inv));
      String ok = callee.response(inv, 200, "OK", "b1", "", SipPeer.SDP_ANSWER);
      callee.send(ok, node.sipPort);
      SIPResponse toCaller = response(c, "INVITE", 200);
      assertEquals(SipPeer.SDP_ANSWER, body(toCaller));
      SIPRequest ack;
      try (Retransmitting again = new Retransmitting(callee, ok, node.sipPort)) {
        Thread.sleep(650); // the caller answers late: after the callee's first retransmission
        caller.send(caller.ackFor(toCaller, c.ruri(), SipPeer.branch(), SipPeer.SDP_OFFER), node.sipPort);
        ack = callee.awaitRequest("ACK", WAIT);
        assertTrue(again.sent.get() >= 1, "the callee retransmitted its 2xx before the caller's ACK came");
      }
      assertEquals(SipPeer.SDP_OFFER, body(ack), "the callee's ACK carries the caller's answer");
      callee.send(ok, node.sipPort); // the same ACK again for each retransmission
      SIPRequest ackAgain = callee.awaitRequest("ACK", WAIT);
      assertEquals(ack.getTopmostVia().getBranch(), ackAgain.getTopmostVia().getBranch());
      assertEquals(SipPeer.SDP_OFFER, body(ackAgain));
      assertNull(callee.poll(m -> m instanceof SIPRequest r && r.getMethod().equals("ACK"), Duration.ofMillis(700)),
          "one ACK per 2xx sent, never one without the answer");
      hangUp(c, toCaller.getToTag(), 2, callee);
    }
  }

  @Test
  void anOfferlessReInviteGetsTheCallersAnswerInTheAckDespiteRetransmitted2xx() throws Exception {
    SipPeer callee = CALLEES.get("reoffer");
    try (SipPeer caller = new SipPeer("alice")) {
      Call c = invite(caller, "reoffer", "", SipPeer.SDP_OFFER);
      SIPRequest inv = callee.awaitRequest("INVITE", WAIT);
      callee.respond(inv, 200, "OK", "b1", "", SipPeer.SDP_ANSWER);
      SIPResponse ok = response(c, "INVITE", 200);
      caller.send(caller.ackFor(ok, c.ruri(), SipPeer.branch(), null), node.sipPort);
      callee.awaitRequest("ACK", WAIT);

      send(c, "INVITE", ok.getToTag(), 2, "", null); // re-INVITE without an offer
      SIPRequest reInvite = callee.awaitRequest("INVITE", WAIT);
      assertEquals("", body(reInvite));
      String offer = SipPeer.sdp("callee", 7002);
      String reOk = callee.response(reInvite, 200, "OK", "b1", "", offer);
      callee.send(reOk, node.sipPort);
      SIPResponse toCaller = (SIPResponse) caller.await("200 to the re-INVITE",
          isResponse("INVITE", 200, c.callId()).and(m -> m.getCSeq().getSeqNumber() == 2), WAIT);
      assertEquals(offer, body(toCaller));
      String answer = SipPeer.sdp("caller", 6002);
      SIPRequest ack;
      try (Retransmitting again = new Retransmitting(callee, reOk, node.sipPort)) {
        Thread.sleep(650);
        caller.send(caller.request("ACK", c.ruri(), c.callId(), "a1", ok.getToTag(), 2, SipPeer.branch(), "", answer),
            node.sipPort);
        ack = callee.awaitRequest("ACK", WAIT);
        assertTrue(again.sent.get() >= 1, "the callee retransmitted its 2xx before the caller's ACK came");
      }
      assertEquals(answer, body(ack));
      assertEquals(reInvite.getCSeq().getSeqNumber(), ack.getCSeq().getSeqNumber());
      callee.send(reOk, node.sipPort);
      assertEquals(answer, body(callee.awaitRequest("ACK", WAIT)), "the same ACK for a retransmission");
      assertNull(callee.poll(m -> m instanceof SIPRequest r && r.getMethod().equals("ACK"), Duration.ofMillis(700)));
      hangUp(c, ok.getToTag(), 3, callee);
    }
  }

  @Test
  void aByeFromTheCallerInTheEarlyDialogEndsTheRingingCall() throws Exception {
    SipPeer callee = CALLEES.get("earlybye");
    try (SipPeer caller = new SipPeer("alice")) {
      Call c = invite(caller, "earlybye", "", SipPeer.SDP_OFFER);
      SIPRequest inv = callee.awaitRequest("INVITE", WAIT);
      callee.respond(inv, 180, "Ringing", "b1", "", null);
      String tag = response(c, "INVITE", 180).getToTag();
      send(c, "BYE", tag, 2, "", null);
      assertEquals(200, caller.awaitFinal("BYE", WAIT).getStatusCode(), "the early dialog exists: no 481");
      assertEquals(487, caller.awaitFinal("INVITE", WAIT).getStatusCode());
      SIPRequest cancel = callee.awaitRequest("CANCEL", WAIT);
      assertEquals(inv.getTopmostVia().getBranch(), cancel.getTopmostVia().getBranch());
      callee.respond(cancel, 200, "OK", "b1", "", null);
      callee.respond(inv, 487, "Request Terminated", "b1", "", null);
      SIPRequest ack = callee.awaitRequest("ACK", WAIT);
      assertEquals(inv.getTopmostVia().getBranch(), ack.getTopmostVia().getBranch(), "the 487's ACK");
      assertNull(callee.poll(m -> m instanceof SIPRequest r && r.getMethod().equals("BYE"), Duration.ofMillis(300)));
    }
  }

  @Test
  void aCancelWithTwoForksRingingIsRelayedAndA2xxCrossingItIsAckedAndHungUp() throws Exception {
    SipPeer callee = CALLEES.get("earlycancel");
    try (SipPeer caller = new SipPeer("alice")) {
      Call c = invite(caller, "earlycancel", "", SipPeer.SDP_OFFER);
      SIPRequest inv = callee.awaitRequest("INVITE", WAIT);
      callee.respondAs("fork1", inv, 180, "Ringing", "f1", "", null);
      callee.respondAs("fork2", inv, 180, "Ringing", "f2", "", null);
      response(c, "INVITE", 180);
      response(c, "INVITE", 180);
      caller.send(caller.request("CANCEL", c.ruri(), c.callId(), "a1", "", 1, c.inviteBranch(), "", null), node.sipPort);
      assertEquals(200, caller.awaitFinal("CANCEL", WAIT).getStatusCode());
      assertEquals(487, caller.awaitFinal("INVITE", WAIT).getStatusCode());
      SIPRequest cancel = callee.awaitRequest("CANCEL", WAIT);
      callee.respond(cancel, 200, "OK", "", "", null);
      callee.respondAs("fork2", inv, 200, "OK", "f2", "", SipPeer.SDP_ANSWER); // fork 2 answered meanwhile
      request(callee, "ACK of the crossing 2xx", inFork("ACK", "f2"));
      SIPRequest bye = request(callee, "BYE of the crossing 2xx", inFork("BYE", "f2"));
      assertEquals(contact(callee, "fork2"), bye.getRequestURI().toString());
      callee.respond(bye, 200, "OK", "", "", null);
      assertNull(caller.poll(isResponse("INVITE", 200, c.callId()), Duration.ofMillis(300)), "the caller gave up");
    }
  }

  @Test
  void earlyUpdateAndInfoAreRelayedBothWaysWhateverTheMidcallPolicy() throws Exception {
    SipPeer callee = CALLEES.get("earlyupd");
    try (SipPeer caller = new SipPeer("alice")) {
      Call c = invite(caller, "earlyupd", "", SipPeer.SDP_OFFER);
      SIPRequest inv = callee.awaitRequest("INVITE", WAIT);
      String bCall = inv.getCallId().getCallId();
      callee.respond(inv, 183, "Session Progress", "b1", "", SipPeer.SDP_ANSWER);
      String tag = response(c, "INVITE", 183).getToTag();

      // caller -> callee: UPDATE with a new offer (hold), then INFO
      String hold = SipPeer.sdp("caller", 6000).replace("a=sendrecv", "a=sendonly");
      send(c, "UPDATE", tag, 2, "", hold);
      SIPRequest update = request(callee, "UPDATE", isRequest("UPDATE", bCall));
      assertEquals("b1", update.getToTag());
      assertEquals(inv.getFromTag(), update.getFromTag());
      assertEquals(hold, body(update), "relayed, not blocked: the early offer/answer is the peers'");
      assertTrue(update.getCSeq().getSeqNumber() > inv.getCSeq().getSeqNumber());
      String held = SipPeer.sdp("callee", 7000).replace("a=sendrecv", "a=recvonly");
      callee.respond(update, 200, "OK", "", "", held);
      assertEquals(held, body(response(c, "UPDATE", 200)));
      send(c, "INFO", tag, 3, "Content-Type: application/dtmf-relay\r\n", "Signal=5\r\nDuration=160\r\n");
      SIPRequest info = request(callee, "INFO", isRequest("INFO", bCall));
      assertEquals("Signal=5\r\nDuration=160\r\n", body(info));
      callee.respond(info, 200, "OK", "", "", null);
      response(c, "INFO", 200);

      // callee -> caller, in the callee's early dialog
      String sbc = inv.getContactHeader().getAddress().getURI().toString();
      String resume = SipPeer.sdp("callee", 7000);
      callee.send(callee.request("UPDATE", sbc, bCall, "b1", inv.getFromTag(), 1, SipPeer.branch(), "", resume),
          node.sipPort);
      SIPRequest toCaller = request(caller, "UPDATE", isRequest("UPDATE", c.callId()));
      assertEquals(tag, toCaller.getFromTag());
      assertEquals("a1", toCaller.getToTag());
      assertEquals(resume, body(toCaller));
      assertEquals("sip:alice@" + caller.hostPort(), toCaller.getRequestURI().toString());
      caller.respond(toCaller, 200, "OK", "", "", SipPeer.SDP_OFFER);
      SIPResponse updated = (SIPResponse) callee.await("200 to UPDATE", isResponse("UPDATE", 200, bCall), WAIT);
      assertEquals(SipPeer.SDP_OFFER, body(updated));
      callee.send(callee.request("INFO", sbc, bCall, "b1", inv.getFromTag(), 2, SipPeer.branch(),
          "Content-Type: application/dtmf-relay\r\n", "Signal=1\r\nDuration=100\r\n"), node.sipPort);
      SIPRequest infoToCaller = request(caller, "INFO", isRequest("INFO", c.callId()));
      caller.respond(infoToCaller, 200, "OK", "", "", null);
      callee.await("200 to INFO", isResponse("INFO", 200, bCall), WAIT);
      // a request from a fork that never spoke: that early dialog does not exist
      callee.send(callee.request("INFO", sbc, bCall, "nobody", inv.getFromTag(), 3, SipPeer.branch(), "", null),
          node.sipPort);
      callee.await("481 to INFO", isResponse("INFO", 481, bCall), WAIT);

      callee.respond(inv, 200, "OK", "b1", "", SipPeer.SDP_ANSWER);
      SIPResponse ok = response(c, "INVITE", 200);
      caller.send(caller.ackFor(ok, c.ruri(), SipPeer.branch(), null), node.sipPort);
      callee.awaitRequest("ACK", WAIT);
      hangUp(c, tag, 4, callee);
    }
  }

  @Test
  void aStrictRouterInTheCalleesRouteSetGetsTheRequestUriAndTheTargetGoesLast() throws Exception {
    SipPeer callee = CALLEES.get("strict");
    try (SipPeer caller = new SipPeer("alice")) {
      Call c = invite(caller, "strict", "", SipPeer.SDP_OFFER);
      SIPRequest inv = callee.awaitRequest("INVITE", WAIT);
      String router = "sip:router@" + callee.hostPort(); // no ;lr: a strict router (RFC 2543)
      callee.respond(inv, 200, "OK", "b1", "Record-Route: <" + router + ">\r\n", SipPeer.SDP_ANSWER);
      SIPResponse ok = response(c, "INVITE", 200);
      caller.send(caller.ackFor(ok, c.ruri(), SipPeer.branch(), null), node.sipPort);
      SIPRequest ack = callee.awaitRequest("ACK", WAIT);
      assertEquals(router, ack.getRequestURI().toString());
      assertEquals("<" + contact(callee, "strict-callee") + ">", SipPeer.header(ack, "Route"));
      send(c, "BYE", ok.getToTag(), 2, "", null);
      SIPRequest bye = callee.awaitRequest("BYE", WAIT);
      assertEquals(router, bye.getRequestURI().toString(), "RFC 3261 §12.2.1.1");
      assertEquals("<" + contact(callee, "strict-callee") + ">", SipPeer.header(bye, "Route"));
      callee.respond(bye, 200, "OK", "", "", null);
      assertEquals(200, caller.awaitFinal("BYE", WAIT).getStatusCode());
    }
  }

  @Test
  void aReInviteAnsweredByTheSbcItselfStillRefreshesTheRemoteTarget() throws Exception {
    SipPeer callee = CALLEES.get("refresh");
    try (SipPeer caller = new SipPeer("alice")) {
      Call c = invite(caller, "refresh", "", SipPeer.SDP_OFFER);
      SIPRequest inv = callee.awaitRequest("INVITE", WAIT);
      callee.respond(inv, 200, "OK", "b1", "", SipPeer.SDP_ANSWER);
      SIPResponse ok = response(c, "INVITE", 200);
      caller.send(caller.ackFor(ok, c.ruri(), SipPeer.branch(), null), node.sipPort);
      callee.awaitRequest("ACK", WAIT);
      // the callee moves (a new Contact) with an offer-less refresh, answered by the SBC under "block"
      String bCall = inv.getCallId().getCallId();
      String sbc = inv.getContactHeader().getAddress().getURI().toString();
      String moved = contact(callee, "moved");
      callee.send(callee.request("INVITE", sbc, bCall, "b1", inv.getFromTag(), 1, SipPeer.branch(), "", null)
          .replace("Contact: <" + contact(callee, "refresh-callee") + ">", "Contact: <" + moved + ">"), node.sipPort);
      SIPResponse local = (SIPResponse) callee.await("200 to the re-INVITE", isResponse("INVITE", 200, bCall), WAIT);
      assertEquals(SipPeer.SDP_OFFER, body(local), "answered by the SBC with what the callee already has");
      callee.send(callee.request("ACK", sbc, bCall, "b1", inv.getFromTag(), 1, SipPeer.branch(), "",
          SipPeer.SDP_ANSWER), node.sipPort);
      send(c, "BYE", ok.getToTag(), 2, "", null);
      SIPRequest bye = callee.awaitRequest("BYE", WAIT);
      assertEquals(moved, bye.getRequestURI().toString(), "RFC 3261 §12.2.2: the 2xx made the new Contact the target");
      callee.respond(bye, 200, "OK", "", "", null);
      assertEquals(200, caller.awaitFinal("BYE", WAIT).getStatusCode());
    }
  }

  private static void hangUp(Call c, String tag, long cseq, SipPeer callee) throws Exception {
    send(c, "BYE", tag, cseq, "", null);
    assertEquals(200, c.caller().awaitFinal("BYE", WAIT).getStatusCode());
    SIPRequest bye = callee.awaitRequest("BYE", WAIT);
    callee.respond(bye, 200, "OK", "", "", null);
  }
}
