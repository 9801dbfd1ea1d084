package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Malformed variants of what carriers send, over real UDP to a real node: each is answered (or,
 * with no usable headers, dropped), none reaches the callee, and afterwards the node still relays
 * an established call's re-INVITE and sets up new calls. Garbage on the TLS port: {@code SipTlsIT}.
 */
class MalformedInputIT {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final int MAX_MESSAGE = 16 * 1024;
  private static NodeProcess node;
  private static SipPeer caller;
  private static SipPeer bob;
  private static int counter;

  private record Call(String callId, String ruri, SIPResponse ok, SIPRequest atBob) {}

  @BeforeAll
  static void start() throws Exception {
    caller = new SipPeer("alice");
    bob = new SipPeer("bob");
    node = NodeProcess.start("malformed", "sip:127.0.0.1:" + bob.port(),
        "sbc.call.linger = 2s\nsbc.sip.max-message-size = " + MAX_MESSAGE);
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    caller.close();
    bob.close();
  }

  @Test
  void everyMalformedVariantIsAnsweredAndTheNodeKeepsRelayingCalls() throws Exception {
    Call held = establish();

    // out of dialog: header values that do not parse are 400 (RFC 3261 §21.4.1), never a call
    Map<String, String> badHeaders = new LinkedHashMap<>();
    badHeaders.put("Session-Expires", "Supported: timer\r\nSession-Expires: soon\r\n");
    badHeaders.put("Min-SE", "Supported: timer\r\nSession-Expires: 1800\r\nMin-SE: -5\r\n");
    badHeaders.put("Privacy", "Privacy: ;;\r\n");
    badHeaders.put("P-Asserted-Identity", "P-Asserted-Identity: <<sip:x\r\n");
    badHeaders.put("RAck", "RAck: one two three\r\n");
    badHeaders.put("CSeq", null);
    badHeaders.put("Max-Forwards", null);
    for (Map.Entry<String, String> bad : badHeaders.entrySet()) {
      String callId = callId();
      String text = invite(callId, bad.getValue() == null ? "" : bad.getValue());
      if (bad.getKey().equals("CSeq")) {
        text = text.replace("CSeq: 1 INVITE", "CSeq: 1 BYE");
      } else if (bad.getKey().equals("Max-Forwards")) {
        text = text.replace("Max-Forwards: 70", "Max-Forwards: plenty");
      }
      caller.send(text, node.sipPort);
      SIPResponse answer = finalResponse(callId);
      assertEquals(400, answer.getStatusCode(), bad.getKey() + ": " + answer.getFirstLine());
    }
    // a Session-Expires that parses but is below the SBC's Min-SE: 422 with Min-SE (RFC 4028 §8.1)
    String shortTimer = callId();
    caller.send(invite(shortTimer, "Supported: timer\r\nSession-Expires: 1\r\n"), node.sipPort);
    SIPResponse tooSmall = finalResponse(shortTimer);
    assertEquals(422, tooSmall.getStatusCode(), tooSmall.getFirstLine());
    assertTrue(SipPeer.header(tooSmall, "Min-SE") != null, "422 says the minimum");

    // a body shorter than its Content-Length (a datagram cut on the way): 400
    String cut = callId();
    caller.send(invite(cut, "").replace("Content-Length: " + SipPeer.SDP_OFFER.length(), "Content-Length: 900"),
        node.sipPort);
    assertEquals(400, finalResponse(cut).getStatusCode());

    // a datagram over sbc.sip.max-message-size: 513 (RFC 3261 §21.5.12), not read as a shorter message
    String big = callId();
    String filler = "a=x-filler:" + "9".repeat(90) + "\r\n";
    String sdp = SipPeer.SDP_OFFER + filler.repeat((MAX_MESSAGE + 4000) / filler.length());
    caller.send(caller.request("INVITE", "sip:+4930555@127.0.0.1", big, "a1", "", 1, SipPeer.branch(), "", sdp),
        node.sipPort);
    SIPResponse tooLarge = finalResponse(big);
    assertEquals(513, tooLarge.getStatusCode(), tooLarge.getFirstLine());

    // no headers to answer: dropped without a word
    byte[] junk = new byte[1200];
    new Random(7).nextBytes(junk);
    caller.sendBytes(junk, node.sipPort);
    caller.send("INVITE sip:x SIP/2.0\r\nVia: nonsense\r\n\r\n", node.sipPort);

    // in the held call: a re-INVITE with an unparsable Session-Expires, a PRACK with a bad RAck
    long cseq = held.ok().getCSeq().getSeqNumber();
    caller.send(caller.request("INVITE", held.ruri(), held.callId(), "a1", held.ok().getToTag(), ++cseq,
        SipPeer.branch(), "Session-Expires: ninety;refresher=uac\r\n", SipPeer.SDP_OFFER), node.sipPort);
    assertEquals(400, finalResponse(held.callId()).getStatusCode(), "bad Session-Expires in a re-INVITE");
    caller.send(caller.request("PRACK", held.ruri(), held.callId(), "a1", held.ok().getToTag(), ++cseq,
        SipPeer.branch(), "RAck: x 1 INVITE\r\n", null), node.sipPort);
    assertEquals(400, finalResponse(held.callId()).getStatusCode(), "bad RAck");

    assertNull(bob.poll(m -> m instanceof SIPRequest r && !r.getCallId().getCallId().equals(held.atBob().getCallId()
        .getCallId()), Duration.ofMillis(500)), "nothing malformed reached the callee");

    // the held call still works: a re-INVITE goes to bob and back, then the BYE
    caller.send(caller.request("INVITE", held.ruri(), held.callId(), "a1", held.ok().getToTag(), ++cseq,
        SipPeer.branch(), "", SipPeer.sdp("caller", 6100)), node.sipPort);
    String bCall = held.atBob().getCallId().getCallId();
    SIPRequest reInvite = (SIPRequest) bob.await("re-INVITE of the held call", SipPeer.isRequest("INVITE", bCall), WAIT);
    bob.respond(reInvite, 200, "OK", "b1", "", SipPeer.SDP_ANSWER);
    SIPResponse reOk = (SIPResponse) caller.await("200 to the re-INVITE",
        SipPeer.isResponse("INVITE", 200, held.callId()), WAIT);
    caller.send(caller.ackFor(reOk, held.ruri(), SipPeer.branch(), null), node.sipPort);
    bob.await("ACK of the re-INVITE", SipPeer.isRequest("ACK", bCall), WAIT);
    hangUp(held, cseq + 1);

    // and new calls are taken
    hangUp(establish(), 2);
  }

  // ---- helpers -----------------------------------------------------------------------------

  private static String callId() {
    return "malformed-" + (++counter) + "-" + System.nanoTime();
  }

  private static String invite(String callId, String extra) {
    return caller.request("INVITE", "sip:+4930555@127.0.0.1", callId, "a1", "", 1, SipPeer.branch(), extra,
        SipPeer.SDP_OFFER);
  }

  /** The first final response the caller gets in the call {@code callId}. */
  private static SIPResponse finalResponse(String callId) throws InterruptedException {
    return (SIPResponse) caller.await("a final response in " + callId, m -> m instanceof SIPResponse r
        && r.getStatusCode() >= 200 && r.getCallId().getCallId().equals(callId), WAIT);
  }

  /** A call from the caller to bob, answered and ACKed end to end. */
  private static Call establish() throws Exception {
    String callId = callId();
    String ruri = "sip:+4930666@127.0.0.1:" + node.sipPort;
    caller.send(caller.request("INVITE", ruri, callId, "a1", "", 1, SipPeer.branch(), "", SipPeer.SDP_OFFER),
        node.sipPort);
    SIPRequest atBob = bob.awaitRequest("INVITE", WAIT);
    bob.respond(atBob, 200, "OK", "b1", "", SipPeer.SDP_ANSWER);
    SIPResponse ok = (SIPResponse) caller.await("200 to " + callId, SipPeer.isResponse("INVITE", 200, callId), WAIT);
    caller.send(caller.ackFor(ok, ruri, SipPeer.branch(), null), node.sipPort);
    bob.await("ACK", SipPeer.isRequest("ACK", atBob.getCallId().getCallId()), WAIT);
    return new Call(callId, ruri, ok, atBob);
  }

  private static void hangUp(Call call, long cseq) throws Exception {
    caller.send(caller.request("BYE", call.ruri(), call.callId(), "a1", call.ok().getToTag(), cseq, SipPeer.branch(),
        "", null), node.sipPort);
    caller.await("200 to the BYE", SipPeer.isResponse("BYE", 200, call.callId()), WAIT);
    SIPMessage bye = bob.await("BYE", SipPeer.isRequest("BYE", call.atBob().getCallId().getCallId()), WAIT);
    bob.respond((SIPRequest) bye, 200, "OK", "b1", "", null);
  }
}
