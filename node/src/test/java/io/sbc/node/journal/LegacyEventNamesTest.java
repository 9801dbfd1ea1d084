package io.sbc.node.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.ConfigFactory;
import io.sbc.gateway.Flow;
import io.sbc.node.dialog.CallEvent;
import io.sbc.node.dialog.Leg;
import io.sbc.node.dialog.SessionTimer;
import io.sbc.protocol.Transport;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * A journal written before the node was cut into packages holds call events under the names
 * {@code io.sbc.node.CallEntity$...}: the node's own serialization settings read them as today's
 * records, so such a call still recovers.
 */
class LegacyEventNamesTest {
  private static final ActorTestKit KIT = ActorTestKit.create("legacy-event-names",
      // the node's own serialization settings (bindings, migrations), nothing else of its config
      ConfigFactory.parseResources("application.conf").withOnlyPath("pekko.serialization")
          .withFallback(ConfigFactory.parseResources("application.conf").withOnlyPath("pekko.actor.serialization-bindings"))
          .withFallback(ConfigFactory.defaultReference())
          .resolve());

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  @Test
  void eventsUnderTheirPrePackageNamesAreReadAsTodaysEvents() {
    org.apache.pekko.serialization.Serialization serialization =
        SerializationExtension.get(org.apache.pekko.actor.typed.javadsl.Adapter.toClassic(KIT.system()));
    Leg a = new Leg(Leg.Side.A, "a@x", "t1", "t2", "<sip:b@sbc>", "<sip:a@x>", "sip:a@127.0.0.1:5080", List.of(),
        0, 1, new Flow(Transport.UDP, "127.0.0.1", 5080, "", null), "v=0\r\n", "application/sdp", "");
    CallEvent established = new CallEvent.CallEstablished(a, a, "default", new SessionTimer(90, true, false, true, 42), null);
    CallEvent ended = new CallEvent.CallEnded("bye");
    for (CallEvent now : List.of(established, ended)) {
      var serializer = serialization.findSerializerFor(now);
      byte[] bytes = serializer.toBinary(now);
      assertEquals(now.getClass().getName(), Serializers.manifestFor(serializer, now), "today's events keep their name");
      String legacy = "io.sbc.node.CallEntity$" + now.getClass().getSimpleName();
      Object read = serialization.deserialize(bytes, serializer.identifier(), legacy).get();
      assertEquals(now, read, legacy);
    }
  }
}
