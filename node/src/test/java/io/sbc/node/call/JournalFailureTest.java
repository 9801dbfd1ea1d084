package io.sbc.node.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sbc.node.dialog.CallEvent;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.protocol.SipCodec;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A call whose journal writes fail (the database is down) keeps its state, retries the write
 * with backoff and carries on: the 2xx that confirms a dialog leaves only once the dialog is
 * durable, and the end of a call is written even if its first write failed.
 */
class JournalFailureTest {
  private static final Config CONFIG = ConfigFactory.parseString(
          "pekko.actor.serialization-bindings { \"io.sbc.gateway.CborSerializable\" = jackson-cbor }\n"
              + "sbc.transaction { t1 = 5s, t2 = 10s }\n"
              + "sbc.journal-retry { min = 100ms, max = 400ms }\n"
              + "sbc.next-hop = \"sip:127.0.0.1:5070\"")
      .withFallback(PersistenceTestKitPlugin.config())
      .withFallback(ConfigFactory.defaultReference())
      .resolve();
  private static final ActorTestKit KIT = ActorTestKit.create("journal-failure-test", CONFIG);
  private static final PersistenceTestKit JOURNAL = PersistenceTestKit.create(KIT.system());

  @BeforeEach
  void journalWorks() {
    JOURNAL.resetPolicy();
  }

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  private static List<Object> persisted(CallHarness h) {
    return JOURNAL.persistedInStorage(CallEntity.ENTITY_KEY.name() + "|" + h.entityId);
  }

  @Test
  void theAnswerWaitsForTheDialogToBeWrittenAndIsSentOnceARetrySucceeds() throws Exception {
    CallHarness h = new CallHarness(KIT, CONFIG);
    h.invite("");
    JOURNAL.failNextNPersisted(2);
    long start = System.nanoTime();
    SIPResponse aOk = h.answer("");
    long waitedMs = (System.nanoTime() - start) / 1_000_000;
    assertEquals(200, aOk.getStatusCode());
    // two failed writes, each followed by a restart after at least 100 ms
    assertTrue(waitedMs >= 150, "the 200 left after " + waitedMs + " ms, before the dialog was durable");
    List<Object> events = persisted(h);
    assertEquals(1, events.size(), events.toString());
    assertInstanceOf(CallEvent.CallEstablished.class, events.get(0));
    // the call goes on as usual: A's BYE is answered and B gets one
    h.fromA("BYE", "", null);
    assertEquals(200, ((SIPResponse) h.next()).getStatusCode());
    SIPRequest bBye = (SIPRequest) h.next();
    assertEquals("BYE", bBye.getMethod());
    h.send(SipCodec.encode(CallHarness.response(bBye, 200, null, "", null)), h.fromB);
    awaitEvents(h, 2);
    assertInstanceOf(CallEvent.CallEnded.class, persisted(h).get(1));
  }

  @Test
  void aFailedWriteOfTheCallsEndIsWrittenAgainAndTheByeIsNotHeldBack() throws Exception {
    CallHarness h = new CallHarness(KIT, CONFIG);
    h.invite("");
    h.answer("");
    JOURNAL.failNextNPersisted(3);
    h.fromA("BYE", "", null);
    assertEquals(200, ((SIPResponse) h.next(Duration.ofMillis(500))).getStatusCode()); // sent before the write
    SIPRequest bBye = (SIPRequest) h.next(Duration.ofMillis(500));
    assertEquals("BYE", bBye.getMethod());
    h.send(SipCodec.encode(CallHarness.response(bBye, 200, null, "", null)), h.fromB);
    awaitEvents(h, 2);
    List<Object> events = persisted(h);
    assertEquals(2, events.size(), events.toString());
    assertInstanceOf(CallEvent.CallEnded.class, events.get(1));
    // a stop (passivation) writes nothing more and loses nothing
    h.stop();
    assertEquals(2, persisted(h).size());
  }

  private static void awaitEvents(CallHarness h, int count) throws InterruptedException {
    long end = System.currentTimeMillis() + 5_000;
    while (persisted(h).size() < count && System.currentTimeMillis() < end) {
      Thread.sleep(50);
    }
    assertEquals(count, persisted(h).size(), persisted(h).toString());
  }
}
