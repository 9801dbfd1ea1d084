package io.sbc.node.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import io.sbc.protocol.SipCodec;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A re-INVITE relayed by an incarnation of the call that then died (its node was killed): the
 * callee's 2xx reaches the recovered incarnation, which has no transaction for it and must still
 * ACK it (RFC 3261 §13.2.2.4), or the callee retransmits it and finally drops the call.
 */
class LostTransactionTest {
  private static final Config CONFIG = ConfigFactory.parseString(
          "pekko.actor.serialization-bindings { \"io.sbc.gateway.CborSerializable\" = jackson-cbor }\n"
              + "sbc.transaction { t1 = 5s, t2 = 10s }\n"
              + "sbc.next-hop = \"sip:127.0.0.1:5070\"")
      .withFallback(PersistenceTestKitPlugin.config())
      .withFallback(ConfigFactory.defaultReference())
      .resolve();
  private static final ActorTestKit KIT = ActorTestKit.create("lost-transaction-test", CONFIG);

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  @Test
  void aRecoveredCallAcksThe2xxOfAReInviteItsPredecessorRelayed() throws Exception {
    CallHarness h = new CallHarness(KIT, CONFIG);
    h.invite("");
    h.answer("");
    h.fromA("INVITE", "", CallHarness.A_SDP);
    SIPMessage trying = h.next();
    assertEquals(100, ((gov.nist.javax.sip.message.SIPResponse) trying).getStatusCode());
    SIPRequest relayed = (SIPRequest) h.next();
    assertEquals("INVITE", relayed.getMethod());

    h.kill(); // the node holding the call dies with the transaction
    h.spawn();
    h.send(SipCodec.encode(CallHarness.response(relayed, 200, null, "", CallHarness.B_SDP)), h.fromB);
    SIPRequest ack = assertInstanceOf(SIPRequest.class, h.next());
    assertEquals("ACK", ack.getMethod());
    assertEquals(relayed.getCSeq().getSeqNumber(), ack.getCSeq().getSeqNumber());
    assertEquals(relayed.getCallId().getCallId(), ack.getCallId().getCallId());
    // a retransmission of the same 2xx gets the same ACK again, and nothing else happens
    h.send(SipCodec.encode(CallHarness.response(relayed, 200, null, "", CallHarness.B_SDP)), h.fromB);
    SIPRequest again = (SIPRequest) h.next();
    assertEquals(ack.getTopmostVia().getBranch(), again.getTopmostVia().getBranch());
    h.nothingSent(Duration.ofMillis(300));
  }

  @Test
  void aByeIsAnsweredAtOnceAndTheFarLegsAnswerChangesNothing() throws Exception {
    CallHarness h = new CallHarness(KIT, CONFIG);
    h.invite("");
    h.answer("");
    h.fromA("BYE", "Reason: Q.850;cause=16;text=\"Normal call clearing\"\r\n", null);
    gov.nist.javax.sip.message.SIPResponse ok = assertInstanceOf(gov.nist.javax.sip.message.SIPResponse.class, h.next());
    assertEquals(200, ok.getStatusCode(), "a BYE cannot fail (RFC 3261 15.1.1): no wait for leg B");
    SIPRequest bye = assertInstanceOf(SIPRequest.class, h.next());
    assertEquals("BYE", bye.getMethod());
    assertEquals("Q.850;cause=16;text=\"Normal call clearing\"", CallHarness.headerValue(bye, "Reason"),
        "the caller's Reason goes end to end");
    // B's dialog was already gone (its answer to an earlier BYE was lost): the call is over anyway
    h.send(SipCodec.encode(CallHarness.response(bye, 481, null, "", null)), h.fromB);
    h.nothingSent(Duration.ofMillis(300));
  }
}
