package io.sbc.node.call;

import static io.sbc.node.call.CallHarness.headerValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.gateway.GatewayCommand;
import io.sbc.node.config.SbcSettings.RefreshMethod;
import io.sbc.node.config.SbcSettings.SessionTimerSettings;
import io.sbc.node.routing.RouteTable;
import io.sbc.node.routing.RouteTable.NextHop;
import io.sbc.protocol.timer.SessionTimerHeaders;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The route table and session-timer settings in force are read when a negotiation starts, not
 * when the call entity is made: a change reaches the next call (and the next re-INVITE), while a
 * running call keeps its next hop and whether it runs timers.
 */
class RuntimeSettingsCallTest {
  private static final Config CONFIG = ConfigFactory.parseString(
          "pekko.actor.serialization-bindings { \"io.sbc.gateway.CborSerializable\" = jackson-cbor }\n"
              + "sbc.transaction { t1 = 5s, t2 = 10s }\n"
              + "sbc.session-timer { session-expires = 1800s, min-se = 90s }\n"
              + "sbc.next-hop = \"sip:127.0.0.1:5070\"")
      .withFallback(PersistenceTestKitPlugin.config())
      .withFallback(ConfigFactory.defaultReference())
      .resolve();
  private static final ActorTestKit KIT = ActorTestKit.create("runtime-settings-call-test", CONFIG);
  private static final RouteTable MOVED = new RouteTable(
      List.of(new RouteTable.Route("bob", "bob", "", NextHop.parse("sip:127.0.0.1:5090"), Optional.empty())),
      NextHop.parse("sip:127.0.0.1:5099"));

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  @Test
  void aNewCallTakesTheTableInForceAndKeepsItsNextHopWhenTheTableChangesAgain() throws Exception {
    CallHarness h = started(new CallHarness(KIT, CONFIG));
    h.routes.set(MOVED); // after the entity was made, before its INVITE
    h.invite("");
    assertEquals(5090, h.bInviteFlow.remotePort(), "route 'bob' of the runtime table");
    h.answer("");

    h.routes.set(RouteTable.create(CONFIG.getConfig("sbc"))); // back to the configured table
    h.fromA("BYE", "", null);
    h.nextSend(Duration.ofSeconds(3)); // the SBC's 200 to A's BYE
    GatewayCommand.Send bye = h.nextSend(Duration.ofSeconds(3));
    assertEquals("BYE", ((SIPRequest) CallHarness.decode(bye.bytes())).getMethod());
    assertEquals(5090, bye.flow().remotePort(), "the running call keeps the next hop it was set up with");

    CallHarness next = new CallHarness(KIT, CONFIG);
    next.invite("");
    assertEquals(5070, next.bInviteFlow.remotePort(), "a call after the change takes the configured table");
  }

  /** Waits until the entity runs (it answers a stray OPTIONS), so that it was made before what follows. */
  private static CallHarness started(CallHarness h) {
    h.send(("OPTIONS sip:bob@sbc.example SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKping\r\n"
        + "Max-Forwards: 70\r\nFrom: <sip:alice@caller.example>;tag=a0\r\nTo: <sip:bob@sbc.example>\r\n"
        + "Call-ID: " + h.aCallId + "\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").getBytes(), h.fromA);
    h.next();
    return h;
  }

  @Test
  void aNewCallNegotiatesWithTheSettingsInForce() {
    CallHarness h = started(new CallHarness(KIT, CONFIG));
    h.sessionTimer.set(settings(true, 400, 200));
    SIPRequest toB = h.invite("");
    assertEquals("400", headerValue(toB, "Session-Expires"));
    assertEquals("200", headerValue(toB, "Min-SE"));

    CallHarness small = started(new CallHarness(KIT, CONFIG));
    small.sessionTimer.set(settings(true, 400, 200));
    small.send(("INVITE sip:bob@sbc.example SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKrt\r\n"
        + "Max-Forwards: 70\r\nFrom: <sip:alice@caller.example>;tag=a1\r\nTo: <sip:bob@sbc.example>\r\n"
        + "Call-ID: " + small.aCallId + "\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:5080>\r\n"
        + "Supported: timer\r\nSession-Expires: 150\r\nContent-Length: 0\r\n\r\n").getBytes(), small.fromA);
    SIPResponse tooSmall = (SIPResponse) small.next();
    assertEquals(422, tooSmall.getStatusCode(), "150 s is fine for the configured 90 s, not the runtime 200 s");
    assertEquals(200L, SessionTimerHeaders.minSe(tooSmall).orElseThrow());

    CallHarness off = started(new CallHarness(KIT, CONFIG));
    off.sessionTimer.set(settings(false, 1800, 90));
    SIPRequest plain = off.invite("");
    assertNull(plain.getHeader("Session-Expires"), "timers switched off for new calls");
  }

  @Test
  void aRunningCallKeepsItsTimersWhenTheyAreSwitchedOffButTakesTheNewMinSe() throws Exception {
    CallHarness h = new CallHarness(KIT, CONFIG);
    h.invite("Supported: timer\r\nSession-Expires: 1800;refresher=uac\r\n");
    h.answer("Require: timer\r\nSession-Expires: 1800;refresher=uas\r\n");
    h.sessionTimer.set(settings(false, 1800, 100));

    h.fromA("INVITE", "Supported: timer\r\nSession-Expires: 1800;refresher=uac\r\n", CallHarness.A_SDP); // passthru
    assertEquals(100, ((SIPResponse) h.next()).getStatusCode());
    SIPRequest toB = (SIPRequest) h.next();
    assertEquals("INVITE", toB.getMethod());
    assertEquals("100", headerValue(toB, "Min-SE"), "the re-INVITE negotiates with the Min-SE in force now");
    h.reply(toB, 200, "Require: timer\r\nSession-Expires: 1800;refresher=uas\r\n", CallHarness.B_SDP, h.fromB);
    SIPResponse toA = (SIPResponse) h.next();
    assertEquals(200, toA.getStatusCode());
    assertEquals("1800;refresher=uac", headerValue(toA, "Session-Expires"),
        "the call still runs the timers it was set up with, so its refreshes are still answered as such");
  }

  private static SessionTimerSettings settings(boolean enabled, long sessionExpires, long minSe) {
    return new SessionTimerSettings(enabled, Duration.ofSeconds(sessionExpires), Duration.ofSeconds(minSe),
        RefreshMethod.AUTO);
  }
}
