package io.sbc.node.routing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.sbc.node.policy.MidcallPolicy;
import io.sbc.node.routing.RouteTable.NextHop;
import io.sbc.protocol.Transport;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The route table's JSON: its exact shape, the round trip, and the message of every way it can be wrong. */
class RouteTableJsonTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Optional<NextHop> CONFIGURED = Optional.of(NextHop.parse("sip:127.0.0.1:5070"));

  private static RouteTable parse(String json) throws Exception {
    return RouteTableJson.parse(JSON.readTree(json), CONFIGURED);
  }

  /** The message of the IllegalArgumentException that parsing {@code json} throws. */
  private static String error(String json) {
    return assertThrows(IllegalArgumentException.class, () -> parse(json)).getMessage();
  }

  @Test
  void theShapeIsExactAndReadsBackAsTheSameTable() throws Exception {
    RouteTable table = new RouteTable(List.of(
        new RouteTable.Route("uk", "44", "carrier.example", NextHop.parse("sip:10.0.0.1:5080;transport=TCP"),
            Optional.of(MidcallPolicy.BLOCK)),
        new RouteTable.Route("any", "", "", NextHop.parse("sip:gw.example"), Optional.empty())),
        NextHop.parse("sip:127.0.0.1:5090"));
    String json = RouteTableJson.toJson(table).toString();
    assertEquals("{\"default-next-hop\":\"sip:127.0.0.1:5090\",\"routes\":["
        + "{\"name\":\"uk\",\"user-prefix\":\"44\",\"host\":\"carrier.example\","
        + "\"next-hop\":\"sip:10.0.0.1:5080;transport=tcp\",\"midcall-policy\":\"block\"},"
        + "{\"name\":\"any\",\"user-prefix\":\"\",\"host\":\"\",\"next-hop\":\"sip:gw.example:5060\","
        + "\"midcall-policy\":null}]}", json);
    assertEquals(table, parse(json));
    assertEquals(table, parse("{\"source\":\"runtime\"," + json.substring(1)), "GET's document can be PUT back");
  }

  @Test
  void optionalFieldsMayBeLeftOut() throws Exception {
    RouteTable t = parse("{\"routes\": [{\"next-hop\": \"sip:10.0.0.1\"}, {\"name\": \"b\", \"user-prefix\": null,"
        + " \"host\": \"h.example\", \"next-hop\": \"sip:10.0.0.2:5062\", \"midcall-policy\": \"PASSTHRU_MEDIA_CHANGE\"}]}");
    assertEquals(CONFIGURED.get(), t.defaultHop(), "no default-next-hop: the configured one");
    assertEquals("route-1", t.all().get(0).name(), "numbered like sbc.routes");
    assertEquals("", t.all().get(0).userPrefix());
    assertEquals(new NextHop("10.0.0.1", 5060, Transport.UDP), t.all().get(0).nextHop());
    assertEquals(Optional.of(MidcallPolicy.PASSTHRU_MEDIA_CHANGE), t.all().get(1).midcallPolicy());
    assertEquals(new NextHop("10.0.0.2", 5062, Transport.UDP), t.all().get(1).nextHop());
    assertEquals("route-1", t.route("123", "h.example").name(), "first match wins: route-1 matches anything");
    assertEquals(List.of(), parse("{\"routes\": [], \"default-next-hop\": \"sip:10.9.9.9:5070\"}").all());
    assertEquals(5070, parse("{\"routes\": [], \"default-next-hop\": \"sip:10.9.9.9:5070\"}").defaultHop().port());
  }

  @Test
  void everyMistakeIsNamed() {
    assertEquals("routes[0] (\"uk\"): next-hop is missing", error("{\"routes\": [{\"name\": \"uk\"}]}"));
    assertEquals("routes[1] (\"route-2\"): next hop must be a sip: or sips: URI (e.g. sip:10.0.0.1:5060;transport=tcp), "
        + "got 'http://x'", error("{\"routes\": [{\"next-hop\": \"sip:a\"}, {\"next-hop\": \"http://x\"}]}"));
    assertEquals("routes[0] (\"uk\"): bad port in next hop 'sip:a:99999': 99999 is not 1-65535",
        error("{\"routes\": [{\"name\": \"uk\", \"next-hop\": \"sip:a:99999\"}]}"));
    assertEquals("routes[0] (\"uk\"): bad port in next hop 'sip:a:x'",
        error("{\"routes\": [{\"name\": \"uk\", \"next-hop\": \"sip:a:x\"}]}"));
    assertEquals("routes[0] (\"uk\"): next hop 'sip:' has no host",
        error("{\"routes\": [{\"name\": \"uk\", \"next-hop\": \"sip:\"}]}"));
    assertEquals("routes[0] (\"uk\"): next hop 'sip:a b:5060' has a bad host 'a b'",
        error("{\"routes\": [{\"name\": \"uk\", \"next-hop\": \"sip:a b:5060\"}]}"));
    assertEquals("routes[0] (\"uk\"): next hop 'sip:a;transport=sctp': unknown SIP transport 'sctp' (udp, tcp or tls)",
        error("{\"routes\": [{\"name\": \"uk\", \"next-hop\": \"sip:a;transport=sctp\"}]}"));
    assertEquals("routes[1] (\"uk\"): route name 'uk' is used twice",
        error("{\"routes\": [{\"name\": \"uk\", \"next-hop\": \"sip:a\"}, {\"name\": \"uk\", \"next-hop\": \"sip:b\"}]}"));
    assertEquals("routes[1] (\"route-2\"): route name 'route-2' is used twice",
        error("{\"routes\": [{\"name\": \"route-2\", \"next-hop\": \"sip:a\"}, {\"next-hop\": \"sip:b\"}]}"),
        "the numbered default name counts too");
    assertEquals("routes[0] (\"default\"): route name 'default' is reserved (the route taken when no route matches)",
        error("{\"routes\": [{\"name\": \"default\", \"next-hop\": \"sip:a\"}]}"));
    assertEquals("routes[0] (\"*\"): route name '*' is reserved", error("{\"routes\": [{\"name\": \"*\", \"next-hop\": \"sip:a\"}]}"));
    assertEquals("routes[0] (\"a/b\"): route name 'a/b' must not contain '/'",
        error("{\"routes\": [{\"name\": \"a/b\", \"next-hop\": \"sip:a\"}]}"));
    assertEquals("routes[0] (\"\"): route name must not be empty", error("{\"routes\": [{\"name\": \"\", \"next-hop\": \"sip:a\"}]}"));
    assertEquals("routes[0] (\"uk\"): unknown midcall-signaling policy 'sometimes'; expected one of passthru, "
            + "passthru-media-change, block, preserve-codec, none",
        error("{\"routes\": [{\"name\": \"uk\", \"next-hop\": \"sip:a\", \"midcall-policy\": \"sometimes\"}]}"));
    assertEquals("routes[0] (\"uk\"): unknown field 'nexthop' (known: name, user-prefix, host, next-hop, midcall-policy, trusted, auth, request-uri)",
        error("{\"routes\": [{\"name\": \"uk\", \"nexthop\": \"sip:a\"}]}"));
    assertEquals("routes[0]: name must be a string, got 7", error("{\"routes\": [{\"name\": 7, \"next-hop\": \"sip:a\"}]}"));
    assertEquals("routes[0] (\"uk\"): next-hop must be a string, got [\"sip:a\"]",
        error("{\"routes\": [{\"name\": \"uk\", \"next-hop\": [\"sip:a\"]}]}"));
    assertEquals("routes[0]: expected an object with name, user-prefix, host, next-hop, midcall-policy, trusted, auth, request-uri",
        error("{\"routes\": [\"sip:a\"]}"));
    assertEquals("routes is missing: expected {\"routes\": [{\"name\": ..., \"user-prefix\": ..., \"host\": ..., "
        + "\"next-hop\": \"sip:...\"}], \"default-next-hop\": \"sip:...\"}", error("{\"default-next-hop\": \"sip:a\"}"));
    assertEquals("routes must be an array of routes, got object", error("{\"routes\": {}}"));
    assertEquals("unknown field 'rotues' (known: routes, default-next-hop)", error("{\"rotues\": []}"));
    assertEquals("default-next-hop: next hop must be a sip: or sips: URI (e.g. sip:10.0.0.1:5060;transport=tcp), got 'x'",
        error("{\"routes\": [], \"default-next-hop\": \"x\"}"));
  }

  @Test
  void trustCredentialsAndRequestUriFormAppearOnlyWhenSet() throws Exception {
    RouteTable table = new RouteTable(List.of(
        new RouteTable.Route("trunk", "+49", "", NextHop.parse("sip:10.0.0.1"), Optional.empty(), true,
            Optional.of(new TrunkAuth("sbc", "TRUNK1_PASSWORD", "carrier.example")), RequestUriForm.AS_RECEIVED),
        new RouteTable.Route("plain", "", "", NextHop.parse("sip:10.0.0.2"), Optional.empty())),
        NextHop.parse("sip:127.0.0.1:5090"));
    String json = RouteTableJson.toJson(table).toString();
    assertEquals("{\"default-next-hop\":\"sip:127.0.0.1:5090\",\"routes\":["
        + "{\"name\":\"trunk\",\"user-prefix\":\"+49\",\"host\":\"\",\"next-hop\":\"sip:10.0.0.1:5060\","
        + "\"midcall-policy\":null,\"trusted\":true,\"auth\":{\"username\":\"sbc\",\"password-env\":\"TRUNK1_PASSWORD\","
        + "\"realm\":\"carrier.example\"},\"request-uri\":\"as-received\"},"
        + "{\"name\":\"plain\",\"user-prefix\":\"\",\"host\":\"\",\"next-hop\":\"sip:10.0.0.2:5060\","
        + "\"midcall-policy\":null}]}", json);
    assertEquals(table, parse(json));
    RouteTable.Route tel = parse("{\"routes\": [{\"next-hop\": \"sip:a\", \"request-uri\": \"TEL\", \"trusted\": false,"
        + " \"auth\": null}]}").all().get(0);
    assertEquals(RequestUriForm.TEL, tel.requestUri());
    assertEquals(Optional.empty(), tel.auth());
  }

  @Test
  void aPasswordIsNeverTakenIntoTheTable() {
    assertEquals("routes[0] (\"t\"): auth: no password in the table; put it in an environment variable of every node "
        + "and name it with password-env",
        error("{\"routes\": [{\"name\": \"t\", \"next-hop\": \"sip:a\", \"auth\": {\"username\": \"u\", \"password\": \"p\"}}]}"));
    assertEquals("routes[0] (\"t\"): auth needs username and password-env",
        error("{\"routes\": [{\"name\": \"t\", \"next-hop\": \"sip:a\", \"auth\": {\"username\": \"u\"}}]}"));
    assertEquals("routes[0] (\"t\"): auth: password-env must name an environment variable (letters, digits, _), got 'A-B'",
        error("{\"routes\": [{\"name\": \"t\", \"next-hop\": \"sip:a\", \"auth\": {\"username\": \"u\", \"password-env\": \"A-B\"}}]}"));
    assertEquals("routes[0] (\"t\"): auth: unknown field 'user' (known: username, password-env, realm)",
        error("{\"routes\": [{\"name\": \"t\", \"next-hop\": \"sip:a\", \"auth\": {\"user\": \"u\"}}]}"));
    assertEquals("routes[0] (\"t\"): trusted must be true or false, got \"yes\"",
        error("{\"routes\": [{\"name\": \"t\", \"next-hop\": \"sip:a\", \"trusted\": \"yes\"}]}"));
    assertEquals("routes[0] (\"t\"): unknown request-uri 'sips' (next-hop, tel or as-received)",
        error("{\"routes\": [{\"name\": \"t\", \"next-hop\": \"sip:a\", \"request-uri\": \"sips\"}]}"));
  }

  @Test
  void theStoredFormNeedsItsDefaultNextHop() throws Exception {
    assertEquals("default-next-hop is missing", assertThrows(IllegalArgumentException.class,
        () -> RouteTableJson.parse(JSON.readTree("{\"routes\": []}"), Optional.empty())).getMessage());
  }
}
