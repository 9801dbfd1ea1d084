package io.sbc.node.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.sbc.node.policy.MidcallPolicy;
import com.typesafe.config.ConfigFactory;
import io.sbc.protocol.Transport;
import org.junit.jupiter.api.Test;

class RouteTableTest {
  @Test
  void parsesNextHopUris() {
    assertEquals(new RouteTable.NextHop("127.0.0.1", 5070, Transport.UDP), RouteTable.NextHop.parse("sip:127.0.0.1:5070"));
    assertEquals(new RouteTable.NextHop("gw.example", 5060, Transport.TCP), RouteTable.NextHop.parse("sip:gw.example;transport=TCP"));
    assertEquals(new RouteTable.NextHop("10.0.0.1", 5080, Transport.UDP), RouteTable.NextHop.parse("sip:trunk@10.0.0.1:5080"));
    assertThrows(IllegalArgumentException.class, () -> RouteTable.NextHop.parse("http://x"));
    assertThrows(IllegalArgumentException.class, () -> RouteTable.NextHop.parse("sip:host:port"));
    assertThrows(IllegalArgumentException.class, () -> RouteTable.NextHop.parse("sip:host;transport=sctp"));
  }

  @Test
  void tlsNextHopsDefaultToPort5061AndSipsMeansTls() {
    assertEquals(new RouteTable.NextHop("gw.example", 5061, Transport.TLS), RouteTable.NextHop.parse("sip:gw.example;transport=tls"));
    assertEquals(new RouteTable.NextHop("gw.example", 5061, Transport.TLS), RouteTable.NextHop.parse("sips:gw.example"));
    assertEquals(new RouteTable.NextHop("10.0.0.1", 5071, Transport.TLS), RouteTable.NextHop.parse("SIPS:trunk@10.0.0.1:5071"));
    assertEquals("sip:gw.example:5061;transport=tls", RouteTable.NextHop.parse("sips:gw.example").uri());
    assertThrows(IllegalArgumentException.class, () -> RouteTable.NextHop.parse("sips:gw.example;transport=udp"),
        "sips: is TLS on every hop: never plaintext");
  }

  @Test
  void firstMatchingRouteWinsElseDefault() {
    RouteTable routes = RouteTable.create(ConfigFactory.parseString(
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

  @Test
  void numbersMatchPrefixesWithoutVisualSeparators() {
    RouteTable routes = RouteTable.create(ConfigFactory.parseString(
        "next-hop = \"sip:127.0.0.1:5070\"\n"
            + "routes = [ { name = de, user-prefix = \"+49-30\", next-hop = \"sip:127.0.0.1:5080\", trusted = true,"
            + "             request-uri = tel, auth { username = sbc, password-env = TRUNK_PW } } ]"));
    RouteTable.Route de = routes.route(io.sbc.protocol.uri.RequestTarget.number("+49 (30) 123-456"), "");
    assertEquals("de", de.name());
    assertEquals(true, de.trusted());
    assertEquals(RequestUriForm.TEL, de.requestUri());
    assertEquals(new TrunkAuth("sbc", "TRUNK_PW", ""), de.auth().orElseThrow());
    assertEquals("de", routes.route("+4930", "").name(), "the prefix written with separators");
    assertEquals(RouteTable.DEFAULT_ROUTE, routes.route("+4940", "").name());
    assertEquals("de (user +49-30*, any host) -> sip:127.0.0.1:5080, trusted, authenticates as sbc, request-uri tel",
        de.describe());
    assertThrows(IllegalArgumentException.class, () -> RouteTable.create(ConfigFactory.parseString(
        "next-hop = \"sip:127.0.0.1:5070\"\nroutes = [ { next-hop = \"sip:a:1\", auth { username = u, password = p } } ]")));
  }

  @Test
  void routePolicyOverridesResolveInCubeOrder() {
    RouteTable routes = RouteTable.create(ConfigFactory.parseString(
        "next-hop = \"sip:127.0.0.1:5070\"\n"
            + "routes = [ { name = video, user-prefix = \"7\", next-hop = \"sip:127.0.0.1:5080\", midcall-policy = passthru },"
            + "           { user-prefix = \"8\", next-hop = \"sip:127.0.0.1:5090\" } ]"));
    assertEquals("video", routes.route("700", "x").name());
    assertEquals("route-2", routes.route("800", "x").name(), "unnamed routes are numbered");
    assertEquals(RouteTable.DEFAULT_ROUTE, routes.route("900", "x").name());
    java.util.Map<String, MidcallPolicy> runtimeRoutes = new java.util.HashMap<>();
    java.util.concurrent.atomic.AtomicReference<MidcallPolicy> runtimeGlobal = new java.util.concurrent.atomic.AtomicReference<>();
    MidcallPolicies policies = new MidcallPolicies(() -> routes, MidcallPolicy.NONE,
        r -> java.util.Optional.ofNullable(runtimeRoutes.get(r)), () -> java.util.Optional.ofNullable(runtimeGlobal.get()));
    assertEquals(MidcallPolicy.NONE, policies.policyFor("route-2"), "configured global");
    assertEquals(MidcallPolicy.PASSTHRU, policies.policyFor("video"), "configured route override");
    runtimeGlobal.set(MidcallPolicy.BLOCK);
    assertEquals(MidcallPolicy.BLOCK, policies.policyFor("route-2"), "runtime global beats configured global");
    assertEquals(MidcallPolicy.PASSTHRU, policies.policyFor("video"), "but not a route's own policy");
    runtimeRoutes.put("video", MidcallPolicy.PRESERVE_CODEC);
    assertEquals(MidcallPolicy.PRESERVE_CODEC, policies.policyFor("video"), "runtime route override first");
    assertThrows(IllegalArgumentException.class, () -> RouteTable.create(ConfigFactory.parseString(
        "next-hop = \"sip:127.0.0.1:5070\"\nroutes = [ { next-hop = \"sip:a:1\", midcall-policy = relay } ]")));
    assertThrows(IllegalArgumentException.class, () -> RouteTable.create(ConfigFactory.parseString(
        "next-hop = \"sip:127.0.0.1:5070\"\nroutes = [ { name = default, next-hop = \"sip:a:1\" } ]")));
  }
}
