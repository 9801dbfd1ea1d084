package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A basic call between two {@link SipPeer}s through a real node: the peers themselves work. */
class SipPeerIT {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static NodeProcess node;
  private static SipPeer caller;
  private static SipPeer callee;

  @BeforeAll
  static void start() throws Exception {
    caller = new SipPeer("alice");
    callee = new SipPeer("bob");
    node = NodeProcess.start("peer", "sip:127.0.0.1:" + callee.port(), "");
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    caller.close();
    callee.close();
  }

  @Test
  void callSetUpAndHungUp() throws Exception {
    String ruri = "sip:bob@127.0.0.1:" + node.sipPort;
    caller.send(caller.request("INVITE", ruri, "peer-basic-1", "a1", "", 1, SipPeer.branch(), "", SipPeer.SDP_OFFER),
        node.sipPort);
    caller.awaitResponse("INVITE", 100, WAIT);
    SIPRequest invite = callee.awaitRequest("INVITE", WAIT);
    callee.respond(invite, 180, "Ringing", "b1", "", null);
    caller.awaitResponse("INVITE", 180, WAIT);
    callee.respond(invite, 200, "OK", "b1", "", SipPeer.SDP_ANSWER);
    SIPResponse ok = caller.awaitResponse("INVITE", 200, WAIT);
    caller.send(caller.ackFor(ok, ruri, SipPeer.branch(), null), node.sipPort);
    callee.awaitRequest("ACK", WAIT);
    caller.send(caller.request("BYE", ruri, "peer-basic-1", "a1", ok.getToTag(), 2, SipPeer.branch(), "", null),
        node.sipPort);
    assertEquals(200, caller.awaitFinal("BYE", WAIT).getStatusCode());
    SIPRequest bye = callee.awaitRequest("BYE", WAIT);
    callee.respond(bye, 200, "OK", "b1", "", null);
  }
}
