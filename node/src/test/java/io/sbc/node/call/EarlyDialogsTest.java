package io.sbc.node.call;

import static io.sbc.node.call.CallHarness.B_SDP;
import static io.sbc.node.call.CallHarness.body;
import static io.sbc.node.call.CallHarness.headerValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.node.dialog.CallEvent;
import io.sbc.node.dialog.EarlyDialogs;
import io.sbc.protocol.SipCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Forks, early dialogs and reliable provisionals of one call entity, driven with real SIP
 * messages (the ITs {@code DialogsIT} and {@code ReliableProvisionalsIT} do the same over real
 * sockets); here also what only a harness can do: a hand-off while a PRACK is awaited.
 */
class EarlyDialogsTest {
  private static final Config CONFIG = ConfigFactory.parseString(
          "pekko.actor.serialization-bindings { \"io.sbc.gateway.CborSerializable\" = jackson-cbor }\n"
              + "pekko.actor.serialize-messages = off\n"
              + "sbc.transaction { t1 = 1s, t2 = 4s }\n"
              + "sbc.session-timer.enabled = off\n"
              + "sbc.next-hop = \"sip:127.0.0.1:5070\"")
      .withFallback(PersistenceTestKitPlugin.config())
      .withFallback(ConfigFactory.defaultReference())
      .resolve();
  private static final ActorTestKit KIT = ActorTestKit.create("early-dialogs-test", CONFIG);
  private static final PersistenceTestKit JOURNAL = PersistenceTestKit.create(KIT.system());

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  private static void fromB(CallHarness h, int status, String tag, String contactUser, String extra, String sdp)
      throws Exception {
    SIPResponse r = CallHarness.response(h.bInvite, status, tag, extra, sdp);
    if (r.getContactHeader() != null) {
      r.getContactHeader().getAddress().setURI(new gov.nist.javax.sip.address.AddressFactoryImpl()
          .createURI("sip:" + contactUser + "@127.0.0.1:5070"));
    }
    h.send(SipCodec.encode(r), h.fromB);
  }

  /** The next messages the SBC sends, up to {@code n}. */
  private static List<SIPMessage> next(CallHarness h, int n) {
    List<SIPMessage> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(h.next());
    }
    return out;
  }

  private static SIPRequest request(List<SIPMessage> sent, String method) {
    return (SIPRequest) sent.stream().filter(m -> m instanceof SIPRequest r && r.getMethod().equals(method))
        .findFirst().orElseThrow(() -> new AssertionError("no " + method + " in " + sent));
  }

  @Test
  void theSecondForksAnswerIsAckedAndHungUpOnItsOwnDialogOnce() throws Exception {
    CallHarness h = new CallHarness(KIT, CONFIG);
    h.invite("");
    fromB(h, 180, "f1", "one", "", null);
    fromB(h, 183, "f2", "two", "", B_SDP);
    SIPResponse r180 = (SIPResponse) h.next();
    SIPResponse r183 = (SIPResponse) h.next();
    assertEquals(r180.getToTag(), r183.getToTag());
    fromB(h, 200, "f1", "one", "", B_SDP);
    SIPResponse ok = (SIPResponse) h.next();
    assertEquals(200, ok.getStatusCode());
    fromB(h, 200, "f2", "two", "", B_SDP);
    List<SIPMessage> sent = next(h, 2);
    SIPRequest ack = request(sent, "ACK");
    SIPRequest bye = request(sent, "BYE");
    assertEquals("f2", ack.getToTag());
    assertEquals("sip:two@127.0.0.1:5070", bye.getRequestURI().toString());
    assertEquals("f2", bye.getToTag());
    fromB(h, 200, "f2", "two", "", B_SDP); // retransmitted: the ACK only
    SIPRequest again = (SIPRequest) h.next();
    assertEquals("ACK", again.getMethod());
    assertEquals(ack.getTopmostVia().getBranch(), again.getTopmostVia().getBranch());
    h.send(SipCodec.encode(CallHarness.response(bye, 200, "f2", "", null)), h.fromB);
    h.nothingSent(Duration.ofMillis(300)); // the call goes on: that BYE's 200 is not the call's end
    h.aToTag = ok.getToTag();
    h.ackFromA(null);
    SIPMessage m = h.next();
    while (m instanceof SIPResponse) { // the 200 to A, retransmitted meanwhile
      m = h.next();
    }
    SIPRequest ack1 = (SIPRequest) m;
    assertEquals("f1", ack1.getToTag());
    assertEquals("sip:one@127.0.0.1:5070", ack1.getRequestURI().toString());
  }

  @Test
  void aReliableProvisionalAwaitingItsPrackSurvivesAHandOff() throws Exception {
    CallHarness h = new CallHarness(KIT, CONFIG);
    h.invite("Supported: 100rel\r\n");
    fromB(h, 183, "b1", "uas", "Require: 100rel\r\nRSeq: 9\r\n", B_SDP);
    SIPResponse p = (SIPResponse) h.next();
    assertTrue(headerValue(p, "Require").contains("100rel"));
    long rseq = Long.parseLong(headerValue(p, "RSeq"));

    h.stop();
    List<Object> events = JOURNAL.persistedInStorage(CallEntity.ENTITY_KEY.name() + "|" + h.entityId);
    CallEvent.HandedOff off = assertInstanceOf(CallEvent.HandedOff.class, events.get(events.size() - 1));
    EarlyDialogs.Snapshot early = off.inFlight().early();
    assertNotNull(early);
    assertEquals(1, early.unacked().size());
    assertEquals("b1", early.unacked().get(0).forkTag());
    h.spawn();
    h.call.tell(new CallEntity.Wake()); // what sharding does for a successor (see HandOffTest)
    SIPResponse again = (SIPResponse) h.next(Duration.ofSeconds(3)); // retransmitted by the next incarnation
    assertEquals(183, again.getStatusCode());
    assertEquals(Long.toString(rseq), headerValue(again, "RSeq"));

    h.aToTag = p.getToTag();
    h.fromA("PRACK", "RAck: " + rseq + " 1 INVITE\r\n", null);
    SIPRequest prack = (SIPRequest) h.next();
    assertEquals("PRACK", prack.getMethod());
    assertEquals("9 " + h.bInvite.getCSeq().getSeqNumber() + " INVITE", headerValue(prack, "RAck"));
    assertEquals("b1", prack.getToTag());
    h.reply(prack, 200, "", null, h.fromB);
    assertEquals(200, ((SIPResponse) h.next()).getStatusCode());
    assertEquals("", body(prack));
  }

  @Test
  void aByeFromTheCallerInItsEarlyDialogCancelsTheCall() throws Exception {
    CallHarness h = new CallHarness(KIT, CONFIG);
    h.invite("");
    fromB(h, 180, "b1", "uas", "", null);
    h.aToTag = ((SIPResponse) h.next()).getToTag();
    h.fromA("BYE", "", null);
    List<SIPMessage> sent = next(h, 3);
    assertTrue(sent.stream().anyMatch(m -> m instanceof SIPResponse r && r.getStatusCode() == 200
        && r.getCSeq().getMethod().equals("BYE")), sent.toString());
    assertTrue(sent.stream().anyMatch(m -> m instanceof SIPResponse r && r.getStatusCode() == 487), sent.toString());
    assertEquals(h.bInvite.getTopmostVia().getBranch(), request(sent, "CANCEL").getTopmostVia().getBranch());
  }
}
