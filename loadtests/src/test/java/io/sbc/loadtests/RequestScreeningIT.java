package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * What the SBC refuses or answers itself before a request reaches a call (RFC 3261 §8.2, §11,
 * §16.6 timer C, RFC 7332 loops), and the capabilities it advertises, with real UDP peers.
 */
class RequestScreeningIT {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final AtomicInteger CALLS = new AtomicInteger();
  private static NodeProcess node;
  private static SipPeer caller;
  private static SipPeer callee;

  @BeforeAll
  static void start() throws Exception {
    caller = new SipPeer("alice");
    callee = new SipPeer("bob");
    // Timer C short enough for a test; the default is 3 minutes.
    node = NodeProcess.start("screening", "sip:127.0.0.1:" + callee.port(), "sbc.transaction.timer-c = 3s\n");
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    caller.close();
    callee.close();
  }

  private static String ruri() {
    return "sip:bob@127.0.0.1:" + node.sipPort;
  }

  private static SIPResponse outOfDialog(String method, String extra) throws Exception {
    String callId = "screen-" + method + "-" + CALLS.incrementAndGet();
    caller.send(caller.request(method, ruri(), callId, "a1", "", 1, SipPeer.branch(), extra, null), node.sipPort);
    return (SIPResponse) caller.await("answer to " + method,
        m -> m instanceof SIPResponse r && r.getCallId().getCallId().equals(callId), WAIT);
  }

  @Test
  void unknownMethodGets501AndKnownUnservedOne405WithAllow() throws Exception {
    SIPResponse foobar = outOfDialog("FOOBAR", "");
    assertEquals(501, foobar.getStatusCode());
    SIPResponse message = outOfDialog("MESSAGE", "");
    assertEquals(405, message.getStatusCode());
    assertEquals("INVITE,ACK,CANCEL,OPTIONS", values(message, "Allow"));
    assertEquals(405, outOfDialog("REGISTER", "").getStatusCode());
  }

  @Test
  void optionsSaysWhatTheSbcImplements() throws Exception {
    long answeredByGateway = node.counter("sbc_sip_options_answered_total");
    SIPResponse ok = outOfDialog("OPTIONS", "");
    assertEquals(200, ok.getStatusCode());
    String allow = values(ok, "Allow");
    assertTrue(allow.contains("INVITE") && allow.contains("UPDATE") && allow.contains("BYE"), allow);
    assertFalse(allow.contains("REGISTER") || allow.contains("PUBLISH"), allow);
    // one Supported header per option tag: read all of them, not the first
    String supported = values(ok, "Supported");
    assertTrue(supported.contains("timer") && supported.contains("100rel"), supported);
    assertTrue(ok.getHeader("Accept").toString().contains("application/sdp"));
    assertNotNull(ok.getToTag());
    // a keep-alive probe is answered where it was read, without a call entity (it belongs to no call)
    assertEquals(answeredByGateway + 1, node.counter("sbc_sip_options_answered_total"));
  }

  @Test
  void optionsRequiringAnUnknownExtensionGets420() throws Exception {
    SIPResponse refused = outOfDialog("OPTIONS", "Require: foo\r\n");
    assertEquals(420, refused.getStatusCode());
    assertEquals("foo", values(refused, "Unsupported"));
  }

  @Test
  void inviteRequiringAnUnknownExtensionGets420AndGoesNowhere() throws Exception {
    SIPResponse refused = outOfDialog("INVITE", "Require: foo, timer\r\nSession-Expires: 1800\r\n");
    assertEquals(420, refused.getStatusCode());
    assertEquals("foo", values(refused, "Unsupported"));
    assertNull(callee.poll(m -> m instanceof SIPRequest r && r.getMethod().equals("INVITE"), Duration.ofMillis(500)),
        "a refused INVITE must not reach the next hop");
    // the 420 is a final non-2xx: the caller's ACK ends its transaction
    caller.send(caller.request("ACK", ruri(), refused.getCallId().getCallId(), "a1", refused.getToTag(), 1,
        refused.getTopmostVia().getBranch(), "", null), node.sipPort);
  }

  @Test
  void inDialogLoopsAreCutAndMaxForwardsGoesDown() throws Exception {
    Call c = establish("");
    // INFO with Max-Forwards 10 reaches the callee with 9
    caller.send(c.request("INFO", "Max-Forwards: 10\r\n"), node.sipPort);
    SIPRequest info = callee.awaitRequest("INFO", WAIT);
    assertEquals(9, info.getMaxForwards().getMaxForwards());
    callee.respond(info, 200, "OK", "b1", "", null);
    assertEquals(200, caller.awaitFinal("INFO", WAIT).getStatusCode());
    // ... and one with 0 is a loop: 483, nothing relayed
    caller.send(c.request("INFO", "Max-Forwards: 0\r\n"), node.sipPort);
    assertEquals(483, caller.awaitFinal("INFO", WAIT).getStatusCode());
    // unknown and unserved methods inside the dialog
    caller.send(c.request("FOOBAR", ""), node.sipPort);
    assertEquals(501, caller.awaitFinal("FOOBAR", WAIT).getStatusCode());
    caller.send(c.request("PUBLISH", ""), node.sipPort);
    SIPResponse publish = caller.awaitFinal("PUBLISH", WAIT);
    assertEquals(405, publish.getStatusCode());
    assertNotNull(publish.getHeader("Allow"));
    assertNull(callee.poll(m -> m instanceof SIPRequest r && !r.getMethod().equals("ACK"), Duration.ofMillis(300)));
    c.hangUp();
  }

  @Test
  void relayedAllowAndSupportedOnlyListWhatTheSbcImplements() throws Exception {
    Call c = establish("Allow: INVITE, ACK, BYE, CANCEL, OPTIONS, PRACK, REGISTER, UPDATE\r\nSupported: replaces, norefersub\r\n");
    String allow = values(c.ok, "Allow");
    assertTrue(allow.contains("UPDATE"), allow);
    assertFalse(allow.contains("REGISTER"), allow);
    SIPMessage ok = c.ok;
    if (ok.getHeader("Supported") != null) {
      String supported = values(ok, "Supported");
      assertFalse(supported.contains("replaces") || supported.contains("norefersub"), supported);
    }
    c.hangUp();
  }

  @Test
  void timerCRestartsOnEveryProvisionalAndCancelsASilentCallee() throws Exception {
    // A callee that rings for 5 s, sending 180 every 1.5 s, is not given up (timer C is 3 s).
    String callId = "screen-ringing-" + CALLS.incrementAndGet();
    caller.send(caller.request("INVITE", ruri(), callId, "a1", "", 1, SipPeer.branch(), "", SipPeer.SDP_OFFER), node.sipPort);
    SIPRequest invite = awaitInvite(callId);
    for (int i = 0; i < 4; i++) {
      callee.respond(invite, 180, "Ringing", "b1", "", null);
      Thread.sleep(1500);
    }
    callee.respond(invite, 200, "OK", "b1", "", SipPeer.SDP_ANSWER);
    SIPResponse ok = (SIPResponse) caller.await("200 of " + callId,
        m -> m instanceof SIPResponse r && r.getCallId().getCallId().equals(callId) && r.getStatusCode() >= 200, WAIT);
    assertEquals(200, ok.getStatusCode());
    new Call(callId, ok).ackAndHangUp();

    // One that rings once and goes silent is cancelled after timer C; the caller gets 408.
    String silentId = "screen-silent-" + CALLS.incrementAndGet();
    caller.send(caller.request("INVITE", ruri(), silentId, "a1", "", 1, SipPeer.branch(), "", SipPeer.SDP_OFFER), node.sipPort);
    SIPRequest silent = awaitInvite(silentId);
    callee.respond(silent, 180, "Ringing", "b2", "", null);
    SIPRequest cancel = callee.awaitRequest("CANCEL", Duration.ofSeconds(8));
    assertEquals(silent.getTopmostVia().getBranch(), cancel.getTopmostVia().getBranch());
    SIPResponse timeout = (SIPResponse) caller.await("408 of " + silentId,
        m -> m instanceof SIPResponse r && r.getCallId().getCallId().equals(silentId) && r.getStatusCode() >= 200, WAIT);
    assertEquals(408, timeout.getStatusCode());
    callee.respond(cancel, 200, "OK", "b2", "", null);
    callee.respond(silent, 487, "Request Terminated", "b2", "", null);
    SIPRequest ack = callee.awaitRequest("ACK", WAIT);
    assertEquals(silent.getTopmostVia().getBranch(), ack.getTopmostVia().getBranch(), "the 487 is ACKed on its transaction");
  }

  /** The values of every header of that name, comma-joined without spaces. */
  private static String values(SIPMessage m, String name) {
    java.util.List<String> all = new java.util.ArrayList<>();
    m.getHeaders(name).forEachRemaining(h -> all.add(((gov.nist.javax.sip.header.SIPHeader) h).getHeaderValue().trim()));
    return String.join(",", all).replace(" ", "");
  }

  private static SIPRequest awaitInvite(String aCallId) throws InterruptedException {
    // the B-leg has the SBC's own Call-ID: take the next INVITE
    return callee.awaitRequest("INVITE", WAIT);
  }

  private Call establish(String calleeHeaders) throws Exception {
    String callId = "screen-call-" + CALLS.incrementAndGet();
    caller.send(caller.request("INVITE", ruri(), callId, "a1", "", 1, SipPeer.branch(), "", SipPeer.SDP_OFFER), node.sipPort);
    SIPRequest invite = awaitInvite(callId);
    callee.respond(invite, 200, "OK", "b1", calleeHeaders, SipPeer.SDP_ANSWER);
    SIPResponse ok = (SIPResponse) caller.await("200 of " + callId,
        m -> m instanceof SIPResponse r && r.getCallId().getCallId().equals(callId) && r.getStatusCode() == 200, WAIT);
    caller.send(caller.ackFor(ok, ruri(), SipPeer.branch(), null), node.sipPort);
    callee.awaitRequest("ACK", WAIT);
    return new Call(callId, ok);
  }

  /** The caller's side of an established call. */
  private static final class Call {
    final String callId;
    final SIPResponse ok;
    long cseq = 1;

    Call(String callId, SIPResponse ok) {
      this.callId = callId;
      this.ok = ok;
    }

    String request(String method, String extra) {
      String text = caller.request(method, ruri(), callId, "a1", ok.getToTag(), ++cseq, SipPeer.branch(), extra, null);
      return extra.contains("Max-Forwards:") ? text.replaceFirst("Max-Forwards: 70\r\n", "") : text;
    }

    void ackAndHangUp() throws Exception {
      caller.send(caller.ackFor(ok, ruri(), SipPeer.branch(), null), node.sipPort);
      callee.awaitRequest("ACK", WAIT);
      hangUp();
    }

    void hangUp() throws Exception {
      caller.send(request("BYE", ""), node.sipPort);
      assertEquals(200, caller.awaitFinal("BYE", WAIT).getStatusCode());
      SIPRequest bye = callee.awaitRequest("BYE", WAIT);
      callee.respond(bye, 200, "OK", "b1", "", null);
    }
  }
}
