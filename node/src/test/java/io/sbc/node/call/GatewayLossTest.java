package io.sbc.node.call;

import static io.sbc.node.call.CallHarness.headerValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sbc.node.gateways.LiveGateways;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import io.sbc.gateway.Flow;
import io.sbc.gateway.GatewayCommand;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A request the SBC sent through a gateway whose node then dies, before the answer came: the
 * peer answers where the Via points, so the call entity (alive on another node) must send it
 * again from a live gateway, as a new transaction. Session interval 6 s: the SBC refreshes A
 * (no timer support, no UPDATE: by re-INVITE) after 3 s, and A's deadline is 4 s after setup.
 */
class GatewayLossTest {
  private static final Config CONFIG = ConfigFactory.parseString(
          "pekko.actor.serialization-bindings { \"io.sbc.gateway.CborSerializable\" = jackson-cbor }\n"
              + "sbc.transaction { t1 = 500ms, t2 = 4s }\n"
              + "sbc.session-timer { session-expires = 6s, min-se = 3s }\n"
              + "sbc.next-hop = \"sip:127.0.0.1:5070\"")
      .withFallback(PersistenceTestKitPlugin.config())
      .withFallback(ConfigFactory.defaultReference())
      .resolve();
  private static final ActorTestKit KIT = ActorTestKit.create("gateway-loss-test", CONFIG);
  private static final String B_REFRESHES = "Require: timer\r\nSession-Expires: 60;refresher=uas\r\n";

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  /** The call's own gateway (the harness probe) "dies" on demand; flows re-home to {@code survivor}. */
  private static LiveGateways routing(AtomicBoolean down, TestProbe<GatewayCommand> survivor) {
    return new LiveGateways() {
      @Override
      public boolean usable(Flow flow) {
        return !down.get() || flow.gateway().equals(survivor.ref());
      }

      @Override
      public Flow rehome(Flow flow) {
        return new Flow(flow.transport(), flow.remoteHost(), flow.remotePort(), "", survivor.ref(), "127.0.0.1:5160");
      }
    };
  }

  private static SIPMessage next(TestProbe<GatewayCommand> probe, Duration within) {
    return CallHarness.decode(probe.expectMessageClass(GatewayCommand.Send.class, within).bytes());
  }

  @Test
  void aRefreshLostWithItsGatewayIsSentAgainFromALiveOneAndTheCallGoesOn() throws Exception {
    AtomicBoolean down = new AtomicBoolean();
    TestProbe<GatewayCommand> survivor = KIT.createTestProbe();
    CallHarness h = new CallHarness(KIT, CONFIG, routing(down, survivor));
    h.invite("");
    h.answer(B_REFRESHES);
    SIPRequest lost = (SIPRequest) h.next(Duration.ofSeconds(5));
    assertEquals("INVITE", lost.getMethod());
    assertEquals(h.aCallId, lost.getCallId().getCallId());
    down.set(true); // the gateway's node dies with the refresh unanswered

    SIPRequest again = (SIPRequest) next(survivor, Duration.ofSeconds(2)); // at the first timer E
    assertEquals("INVITE", again.getMethod());
    assertEquals(h.aCallId, again.getCallId().getCallId());
    assertEquals("127.0.0.1", again.getTopmostVia().getHost());
    assertEquals(5160, again.getTopmostVia().getPort(), "the live gateway's address, where A will answer");
    assertTrue(headerValue(again, "Contact").contains("127.0.0.1:5160"), headerValue(again, "Contact"));
    assertNotEquals(lost.getTopmostVia().getBranch(), again.getTopmostVia().getBranch(), "a new transaction");
    assertEquals(lost.getCSeq().getSeqNumber() + 1, again.getCSeq().getSeqNumber());
    assertEquals(CallHarness.body(lost), CallHarness.body(again), "the same offer");
    h.nothingSent(Duration.ofMillis(100)); // nothing more through the dead gateway

    h.reply(again, 200, "", CallHarness.A_SDP, h.fromA);
    SIPRequest ack = (SIPRequest) next(survivor, Duration.ofSeconds(2));
    assertEquals("ACK", ack.getMethod());
    assertEquals(again.getCSeq().getSeqNumber(), ack.getCSeq().getSeqNumber());
    // refreshed: no BYE at the old deadline (4 s after setup) or later
    survivor.expectNoMessage(Duration.ofMillis(1500));
    h.nothingSent(Duration.ofMillis(10));
  }

  @Test
  void aDeadlineThatPassesWhileTheSbcsOwnRefreshIsUnansweredWaitsForItsOutcome() throws Exception {
    CallHarness h = new CallHarness(KIT, CONFIG);
    h.invite("");
    h.answer(B_REFRESHES);
    SIPRequest refresh = (SIPRequest) h.next(Duration.ofSeconds(5)); // 3 s after setup
    assertEquals("INVITE", refresh.getMethod());
    // A answers nothing at first; timer A resends at +0.5 s and +1.5 s, past the 4 s deadline
    SIPRequest r1 = (SIPRequest) h.next(Duration.ofSeconds(2));
    SIPRequest r2 = (SIPRequest) h.next(Duration.ofSeconds(2));
    assertEquals(refresh.getTopmostVia().getBranch(), r1.getTopmostVia().getBranch());
    assertEquals(refresh.getTopmostVia().getBranch(), r2.getTopmostVia().getBranch(), "no BYE in between");
    h.reply(r2, 200, "", CallHarness.A_SDP, h.fromA);
    assertEquals("ACK", ((SIPRequest) h.next()).getMethod());
    h.nothingSent(Duration.ofMillis(1500)); // the late refresh succeeded: the call goes on
  }
}
