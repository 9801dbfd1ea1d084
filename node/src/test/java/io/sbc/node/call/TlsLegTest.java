package io.sbc.node.call;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import gov.nist.javax.sip.message.SIPRequest;
import io.sbc.gateway.GatewayCommand;
import io.sbc.protocol.Transport;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A call routed to a TLS next hop: the B-leg's requests say TLS in their Via and Contact and name
 * the node's TLS port there (a peer that connects back must reach the TLS listener, not the
 * plain TCP one), and they leave on a TLS flow.
 */
class TlsLegTest {
  private static final Config CONFIG = ConfigFactory.parseString(
          "pekko.actor.serialization-bindings { \"io.sbc.gateway.CborSerializable\" = jackson-cbor }\n"
              + "sbc.transaction { t1 = 5s, t2 = 10s }\n"
              + "sbc.sip { port = 5060, tls { port = 5081, certificate = \"sbc.pem\", private-key = \"sbc.key\" } }\n"
              + "sbc.next-hop = \"sips:carrier.example:5071\"")
      .withFallback(PersistenceTestKitPlugin.config())
      .withFallback(ConfigFactory.defaultReference())
      .resolve();
  private static final ActorTestKit KIT = ActorTestKit.create("tls-leg-test", CONFIG);

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  @Test
  void theBLegOfATlsNextHopIsTlsWithTheTlsPortInViaAndContact() throws Exception {
    CallHarness h = new CallHarness(KIT, CONFIG);
    SIPRequest invite = h.invite("");
    assertEquals(Transport.TLS, h.bInviteFlow.transport());
    assertEquals("carrier.example", h.bInviteFlow.remoteHost());
    assertEquals(5071, h.bInviteFlow.remotePort());
    assertEquals("TLS", invite.getTopmostVia().getTransport());
    assertEquals(5081, invite.getTopmostVia().getPort(), invite.getTopmostVia().toString());
    String contact = invite.getContactHeader().getAddress().getURI().toString();
    assertTrue(contact.contains(":5081") && contact.contains("transport=tls"), contact);
    assertTrue(invite.getRequestURI().toString().contains("transport=tls"), invite.getRequestURI().toString());

    h.answer("");
    h.fromA("BYE", "", null);
    h.next(); // A's 200 to its BYE
    GatewayCommand.Send bye = h.nextSend(Duration.ofSeconds(3));
    SIPRequest byeToB = (SIPRequest) CallHarness.decode(bye.bytes());
    assertEquals("BYE", byeToB.getMethod());
    assertEquals(Transport.TLS, bye.flow().transport());
    assertEquals("TLS", byeToB.getTopmostVia().getTransport());
    assertEquals(5081, byeToB.getTopmostVia().getPort());
  }
}
