package io.sbc.node.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.node.dialog.CallEvent;
import io.sbc.node.dialog.InFlight;
import io.sbc.protocol.SipCodec;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A call whose entity is handed to another node (its shard moves in a rolling restart or a
 * rebalance) while something is in flight: the stop writes it down, the next incarnation takes
 * over the open transactions, and the peers never notice. Before, a ringing call or a re-INVITE
 * waiting for its answer was lost at a hand-off.
 */
class HandOffTest {
  private static final Config CONFIG = ConfigFactory.parseString(
          "pekko.actor.serialization-bindings { \"io.sbc.gateway.CborSerializable\" = jackson-cbor }\n"
              + "pekko.actor.serialize-messages = off\n"
              + "sbc.transaction { t1 = 2s, t2 = 4s }\n"
              + "sbc.next-hop = \"sip:127.0.0.1:5070\"")
      .withFallback(PersistenceTestKitPlugin.config())
      .withFallback(ConfigFactory.defaultReference())
      .resolve();
  private static final ActorTestKit KIT = ActorTestKit.create("hand-off-test", CONFIG);
  private static final PersistenceTestKit JOURNAL = PersistenceTestKit.create(KIT.system());

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  private static List<Object> persisted(CallHarness h) {
    return JOURNAL.persistedInStorage(CallEntity.ENTITY_KEY.name() + "|" + h.entityId);
  }

  @Test
  void aReInviteAwaitingItsAnswerIsAnsweredByTheNextIncarnation() throws Exception {
    CallHarness h = new CallHarness(KIT, CONFIG);
    h.invite("");
    h.answer("");
    h.fromA("INVITE", "", CallHarness.A_SDP);
    assertEquals(100, ((SIPResponse) h.next()).getStatusCode());
    SIPRequest relayed = (SIPRequest) h.next();
    assertEquals("INVITE", relayed.getMethod());

    h.stop(); // the shard moves: the entity writes down what is in flight
    List<Object> events = persisted(h);
    CallEvent.HandedOff handedOff = assertInstanceOf(CallEvent.HandedOff.class, events.get(events.size() - 1));
    assertEquals(1, handedOff.inFlight().clients().size());
    assertEquals(List.of(h.entityId), h.woken, "the successor is woken so that its timers run");
    h.spawn();
    h.send(SipCodec.encode(CallHarness.response(relayed, 200, null, "", CallHarness.B_SDP)), h.fromB);
    SIPResponse toA = assertInstanceOf(SIPResponse.class, h.next());
    assertEquals(200, toA.getStatusCode(), "B's answer reaches A, as if nothing had moved");
    assertEquals(h.aCallId, toA.getCallId().getCallId());
    assertEquals(h.aToTag, toA.getToTag());
    h.ackFromA(null);
    SIPRequest ack = (SIPRequest) h.next();
    assertEquals("ACK", ack.getMethod());
    assertEquals(relayed.getCSeq().getSeqNumber(), ack.getCSeq().getSeqNumber());
    assertEquals(relayed.getCallId().getCallId(), ack.getCallId().getCallId());
    assertTrue(persisted(h).stream().anyMatch(e -> e instanceof CallEvent.Resumed), "the hand-off is spent");

    // the call goes on: A's next request gets through with a CSeq B accepts
    h.fromA("BYE", "", null);
    assertEquals(200, ((SIPResponse) h.next()).getStatusCode());
    SIPRequest bye = (SIPRequest) h.next();
    assertEquals("BYE", bye.getMethod());
    assertTrue(bye.getCSeq().getSeqNumber() > relayed.getCSeq().getSeqNumber());
  }

  @Test
  void anAnswerArrivingWhileTheHandOffIsWrittenIsHandledAndWhatFollowsIsWrittenAgain() throws Exception {
    CallHarness h = new CallHarness(KIT, CONFIG);
    h.invite("");
    h.answer("");
    h.fromA("INVITE", "", CallHarness.A_SDP);
    assertEquals(100, ((SIPResponse) h.next()).getStatusCode());
    SIPRequest relayed = (SIPRequest) h.next();
    org.apache.pekko.actor.testkit.typed.javadsl.TestProbe<Object> watcher = KIT.createTestProbe();
    h.call.tell(new CallEntity.Stop());
    // B's answer reaches the entity while it writes what is in flight: stashed, never dropped
    h.send(SipCodec.encode(CallHarness.response(relayed, 200, null, "", CallHarness.B_SDP)), h.fromB);
    SIPResponse toA = assertInstanceOf(SIPResponse.class, h.next());
    assertEquals(200, toA.getStatusCode());
    watcher.expectTerminated(h.call, Duration.ofSeconds(3));
    List<Object> events = persisted(h);
    CallEvent.HandedOff last = assertInstanceOf(CallEvent.HandedOff.class, events.get(events.size() - 1));
    assertTrue(last.inFlight().clients().isEmpty(), "written again: B's transaction is over, " + last.inFlight());
    assertTrue(last.inFlight().servers().stream().anyMatch(InFlight.Server::awaitingAck), "A's 2xx awaits its ACK");

    h.spawn();
    h.ackFromA(null);
    SIPRequest ack = (SIPRequest) h.next();
    assertEquals("ACK", ack.getMethod());
    assertEquals(relayed.getCSeq().getSeqNumber(), ack.getCSeq().getSeqNumber());
  }

  @Test
  void aRequestAwaitingItsAnswerIsRetransmittedByTheNextIncarnation() throws Exception {
    CallHarness h = new CallHarness(KIT, CONFIG);
    h.invite("");
    h.answer("");
    h.fromA("UPDATE", "", CallHarness.A_SDP);
    SIPRequest relayed = (SIPRequest) h.next();
    assertEquals("UPDATE", relayed.getMethod());
    h.stop();
    h.spawn();
    h.call.tell(new CallEntity.Wake());
    SIPRequest again = (SIPRequest) h.next(Duration.ofSeconds(4)); // T1 = 2 s after the take-over
    assertEquals("UPDATE", again.getMethod());
    assertEquals(relayed.getTopmostVia().getBranch(), again.getTopmostVia().getBranch(), "a retransmission");
    h.reply(again, 200, "", CallHarness.B_SDP, h.fromB);
    SIPResponse toA = (SIPResponse) h.next();
    assertEquals(200, toA.getStatusCode());
    assertEquals("UPDATE", toA.getCSeq().getMethod());
  }

  @Test
  void aRingingCallIsAnsweredAfterItsHandOffAndItsEndIsWritten() throws Exception {
    CallHarness h = new CallHarness(KIT, CONFIG);
    SIPRequest bInvite = h.invite("");
    h.reply(bInvite, 180, "", null, h.fromB);
    assertEquals(180, ((SIPResponse) h.next()).getStatusCode());
    h.stop();
    assertInstanceOf(CallEvent.HandedOff.class, persisted(h).get(0), "a call being set up is written down");
    h.spawn();
    h.answer("");
    List<Object> events = persisted(h);
    assertInstanceOf(CallEvent.Resumed.class, events.get(1));
    assertInstanceOf(CallEvent.CallEstablished.class, events.get(2));

    h.fromA("BYE", "", null);
    assertEquals(200, ((SIPResponse) h.next()).getStatusCode());
    SIPRequest bye = (SIPRequest) h.next();
    assertEquals("BYE", bye.getMethod());
    h.send(SipCodec.encode(CallHarness.response(bye, 200, null, "", null)), h.fromB);
    awaitLast(h, CallEvent.CallEnded.class);
  }

  @Test
  void aRingingCallCancelledAfterItsHandOffIsCancelledOnBothLegsAndEnds() throws Exception {
    CallHarness h = new CallHarness(KIT, CONFIG);
    SIPRequest bInvite = h.invite("");
    h.reply(bInvite, 180, "", null, h.fromB);
    assertEquals(180, ((SIPResponse) h.next()).getStatusCode());
    h.stop();
    h.spawn();
    h.send(cancelOf(h), h.fromA);
    List<Integer> toA = new java.util.ArrayList<>();
    SIPRequest cancel = null;
    for (int i = 0; i < 3; i++) {
      Object m = h.next();
      if (m instanceof SIPResponse r) {
        toA.add(r.getStatusCode());
      } else {
        cancel = (SIPRequest) m;
      }
    }
    assertEquals(List.of(200, 487), toA);
    assertEquals("CANCEL", cancel.getMethod());
    assertEquals(bInvite.getTopmostVia().getBranch(), cancel.getTopmostVia().getBranch());
    h.reply(cancel, 200, "", null, h.fromB);
    h.reply(bInvite, 487, "", null, h.fromB);
    SIPRequest ackOf487 = (SIPRequest) h.next();
    assertEquals("ACK", ackOf487.getMethod());
    // a call that never got confirmed but sits in the journal gets its end written
    awaitLast(h, CallEvent.CallEnded.class);
  }

  @Test
  void anEstablishedCallWithNothingInFlightWritesNothingAtItsHandOff() throws Exception {
    CallHarness h = new CallHarness(KIT, CONFIG);
    h.invite("");
    h.answer("");
    int before = persisted(h).size();
    h.stop();
    assertEquals(before, persisted(h).size());
    assertTrue(h.woken.isEmpty(), "nothing to take over, nobody to wake");
  }

  /** The CANCEL of A's initial INVITE (same branch, RFC 3261 §9.1), as the harness sent it. */
  private static byte[] cancelOf(CallHarness h) {
    String text = "CANCEL sip:bob@sbc.example SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKa1;rport\r\n"
        + "Max-Forwards: 70\r\n"
        + "From: \"Alice\" <sip:alice@caller.example>;tag=a1\r\n"
        + "To: <sip:bob@sbc.example>\r\n"
        + "Call-ID: " + h.aCallId + "\r\n"
        + "CSeq: 1 CANCEL\r\n"
        + "Content-Length: 0\r\n\r\n";
    return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private static void awaitLast(CallHarness h, Class<?> type) throws InterruptedException {
    long end = System.currentTimeMillis() + 5_000;
    while (System.currentTimeMillis() < end) {
      List<Object> events = persisted(h);
      if (!events.isEmpty() && type.isInstance(events.get(events.size() - 1))) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("expected a " + type.getSimpleName() + " last, journal: " + persisted(h));
  }
}
