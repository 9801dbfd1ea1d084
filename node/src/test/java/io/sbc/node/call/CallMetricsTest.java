package io.sbc.node.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.sbc.node.metrics.CallMetrics.Activity;
import io.sbc.protocol.SipCodec;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * What one call entity adds to the node's metrics: the active-call gauges through setup,
 * establishment, end and a stop; the journal write latency; the responses it generated; and never
 * a Call-ID, URI or user in a label.
 */
class CallMetricsTest {
  private static final Config CONFIG = ConfigFactory.parseString(
          "pekko.actor.serialization-bindings { \"io.sbc.gateway.CborSerializable\" = jackson-cbor }\n"
              + "sbc.transaction { t1 = 5s, t2 = 10s }\n"
              + "sbc.session-timer { session-expires = 6s, min-se = 3s }\n"
              + "sbc.next-hop = \"sip:127.0.0.1:5070\"")
      .withFallback(PersistenceTestKitPlugin.config())
      .withFallback(ConfigFactory.defaultReference())
      .resolve();
  private static final ActorTestKit KIT = ActorTestKit.create("call-metrics-test", CONFIG);

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  @Test
  void activeCallsFollowSetupEstablishmentAndEndAndEachJournalWriteIsTimed() throws Exception {
    CallHarness h = new CallHarness(KIT, CONFIG);
    assertActive(h, 0, 0);
    h.invite("");
    assertActive(h, 1, 0);
    assertEquals(1, h.count("sbc_sip_responses_generated", "status", "100"));
    h.answer("");
    assertActive(h, 0, 1);
    Timer journal = h.registry.get("sbc_journal_write_duration").timer();
    assertEquals(1, journal.count(), "the established call's write, timed once confirmed");
    assertTrue(journal.totalTime(TimeUnit.NANOSECONDS) > 0);
    assertEquals(0, h.count("sbc_sip_responses_generated", "status", "200"), "the 200 was B's, relayed");

    h.fromA("BYE", "", null);
    assertEquals(200, ((SIPResponse) h.next()).getStatusCode());
    assertEquals(1, h.count("sbc_sip_responses_generated", "status", "200"), "the SBC answers a BYE itself");
    SIPRequest bBye = (SIPRequest) h.next();
    h.send(SipCodec.encode(CallHarness.response(bBye, 200, null, "", null)), h.fromB);
    assertActive(h, 0, 0);
    awaitCount(journal, 2);
    assertEquals(2, journal.count(), "the end was written and timed too");
    assertNoCallDataInLabels(h);
  }

  @Test
  void aStoppedEntityNoLongerCountsItsCall() throws Exception {
    CallHarness h = new CallHarness(KIT, CONFIG);
    h.invite("");
    h.answer("");
    assertActive(h, 0, 1);
    h.stop(); // passivation, a hand-off or shutdown: the call lives on elsewhere
    assertActive(h, 0, 0);
  }

  @Test
  void aRejectedSetupIsNotActiveAndItsResponseIsCountedByStatus() throws Exception {
    CallHarness h = new CallHarness(KIT, CONFIG);
    h.send(("INVITE sip:+441234567890@sbc.example SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5080;branch=z9hG4bKm\r\n"
        + "Max-Forwards: 70\r\nFrom: <sip:alice@caller.example>;tag=a1\r\nTo: <sip:+441234567890@sbc.example>\r\n"
        + "Call-ID: " + h.aCallId + "\r\nCSeq: 1 INVITE\r\nContact: <sip:alice@127.0.0.1:5080>\r\n"
        + "Supported: timer\r\nSession-Expires: 1\r\nContent-Length: 0\r\n\r\n").getBytes(), h.fromA);
    assertEquals(422, ((SIPResponse) h.next()).getStatusCode());
    assertEquals(1, h.count("sbc_sip_responses_generated", "status", "422"));
    assertActive(h, 0, 0);
    assertNoCallDataInLabels(h);
  }

  private static void assertActive(CallHarness h, long setup, long established) {
    assertEquals(setup, h.services.metrics().active(Activity.SETUP), "calls in setup");
    assertEquals(established, h.services.metrics().active(Activity.ESTABLISHED), "established calls");
    assertEquals(setup, h.registry.get("sbc_calls_active").tag("phase", "setup").gauge().value());
    assertEquals(established, h.registry.get("sbc_calls_active").tag("phase", "established").gauge().value());
  }

  private static void awaitCount(Timer timer, long n) throws InterruptedException {
    long end = System.currentTimeMillis() + 3_000;
    while (timer.count() < n && System.currentTimeMillis() < end) {
      Thread.sleep(20);
    }
  }

  /** No label value holds the call's identifiers, a URI or a user part. */
  private static void assertNoCallDataInLabels(CallHarness h) {
    assertFalse(h.registry.getMeters().isEmpty());
    for (Meter meter : h.registry.getMeters()) {
      for (Tag tag : meter.getId().getTags()) {
        String v = tag.getValue();
        String what = meter.getId().getName() + "{" + tag.getKey() + "=" + v + "}";
        assertFalse(v.contains(h.aCallId) || v.contains("a-call-"), "Call-ID in " + what);
        if (h.bInvite != null) {
          assertFalse(v.contains(h.bInvite.getCallId().getCallId()), "B-leg Call-ID in " + what);
        }
        assertFalse(v.contains("sip:") || v.contains("@"), "URI in " + what);
        assertFalse(v.contains("alice") || v.contains("bob") || v.contains("4412345"), "user in " + what);
        assertTrue(v.matches("[a-z0-9_.-]*"), "unexpected label value in " + what);
      }
    }
  }
}
