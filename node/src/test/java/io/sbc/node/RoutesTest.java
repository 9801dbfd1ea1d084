package io.sbc.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.typesafe.config.ConfigFactory;
import io.sbc.protocol.Transport;
import org.junit.jupiter.api.Test;

class RoutesTest {
  @Test
  void parsesNextHopUris() {
    assertEquals(new Routes.NextHop("127.0.0.1", 5070, Transport.UDP), Routes.NextHop.parse("sip:127.0.0.1:5070"));
    assertEquals(new Routes.NextHop("gw.example", 5060, Transport.TCP), Routes.NextHop.parse("sip:gw.example;transport=TCP"));
    assertEquals(new Routes.NextHop("10.0.0.1", 5080, Transport.UDP), Routes.NextHop.parse("sip:trunk@10.0.0.1:5080"));
    assertThrows(IllegalArgumentException.class, () -> Routes.NextHop.parse("http://x"));
    assertThrows(IllegalArgumentException.class, () -> Routes.NextHop.parse("sip:host:port"));
    assertThrows(IllegalArgumentException.class, () -> Routes.NextHop.parse("sip:host;transport=sctp"));
  }

  @Test
  void firstMatchingRouteWinsElseDefault() {
    Routes routes = Routes.create(ConfigFactory.parseString(
        "next-hop = \"sip:127.0.0.1:5070\"\n"
            + "routes = [ { user-prefix = \"44\", next-hop = \"sip:127.0.0.1:5080;transport=tcp\" },"
            + "           { host = \"carrier.example\", next-hop = \"sip:127.0.0.1:5090\" },"
            + "           { user-prefix = \"4\", next-hop = \"sip:127.0.0.1:5100\" } ]"));
    assertEquals(5080, routes.select("4420", "any").port());
    assertEquals(Transport.TCP, routes.select("4420", "any").transport());
    assertEquals(5090, routes.select("33", "Carrier.Example").port());
    assertEquals(5100, routes.select("49", "other").port());
    assertEquals(5070, routes.select(null, "other").port());
  }
}
