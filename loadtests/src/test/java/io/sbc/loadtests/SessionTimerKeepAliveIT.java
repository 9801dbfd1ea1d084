package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code sbc.session-timer.refresh-peers-without-timer = on}: a callee whose 2xx has no
 * Session-Expires is kept alive by the SBC's own refreshes, and a refusal of one (other than
 * 408/481) never ends the call; real UDP peers.
 */
class SessionTimerKeepAliveIT {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static NodeProcess node;
  private static SipPeer caller;
  private static SipPeer callee;

  @BeforeAll
  static void start() throws Exception {
    caller = new SipPeer("alice");
    callee = new SipPeer("bob");
    node = NodeProcess.start("keepalive-refresh", "sip:127.0.0.1:" + callee.port(),
        "sbc.session-timer { session-expires = 8s, min-se = 6s, refresh-peers-without-timer = on }\n");
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
  void aRefusedKeepAliveRefreshDoesNotEndTheCall() throws Exception {
    String ruri = "sip:bob@127.0.0.1:" + node.sipPort;
    // The caller runs its own timer on A (30 s, it refreshes): only B is the SBC's to keep alive.
    caller.send(caller.request("INVITE", ruri, "keepalive-1", "a1", "", 1, SipPeer.branch(),
        "Supported: timer\r\nSession-Expires: 30;refresher=uac\r\n", SipPeer.SDP_OFFER), node.sipPort);
    SIPRequest invite = callee.awaitRequest("INVITE", WAIT);
    callee.respond(invite, 200, "OK", "b1", "Allow: INVITE, ACK, BYE, CANCEL, UPDATE\r\n", SipPeer.SDP_ANSWER);
    SIPResponse ok = caller.awaitResponse("INVITE", 200, WAIT);
    caller.send(caller.ackFor(ok, ruri, SipPeer.branch(), null), node.sipPort);
    callee.awaitRequest("ACK", WAIT);

    // 8 s asked, none in the answer: the SBC refreshes B at 4 s; the callee refuses it.
    SIPRequest first = callee.awaitRequest("UPDATE", Duration.ofSeconds(7));
    callee.respond(first, 500, "Server Internal Error", "b1", "", null);
    // The next refresh comes one refresh interval later; this one is taken.
    SIPRequest second = callee.awaitRequest("UPDATE", Duration.ofSeconds(7));
    callee.respond(second, 200, "OK", "b1", "", null);
    assertNull(caller.poll(m -> m instanceof SIPRequest r && r.getMethod().equals("BYE"), Duration.ofMillis(200)),
        "the SBC must not end the call over a refused keep-alive refresh");

    caller.send(caller.request("BYE", ruri, "keepalive-1", "a1", ok.getToTag(), 2, SipPeer.branch(), "", null),
        node.sipPort);
    assertEquals(200, caller.awaitFinal("BYE", WAIT).getStatusCode());
    SIPRequest bye = callee.awaitRequest("BYE", WAIT);
    callee.respond(bye, 200, "OK", "b1", "", null);
  }
}
