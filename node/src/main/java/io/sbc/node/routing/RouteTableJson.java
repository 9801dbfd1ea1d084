package io.sbc.node.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sbc.node.policy.MidcallPolicy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The JSON form of a route table, the same for the HTTP API and the cluster-wide store:
 * <pre>
 * {"default-next-hop": "sip:127.0.0.1:5070",
 *  "routes": [{"name": "uk", "user-prefix": "44", "host": "", "next-hop": "sip:10.0.0.1:5060;transport=tcp",
 *              "midcall-policy": "block"}]}
 * </pre>
 * Reading validates the table as a whole and says exactly what is wrong (which route, which field).
 */
public final class RouteTableJson {
  /** A read-only field of {@code GET /sbc/routes} that a PUT of the same document may carry. */
  public static final String SOURCE = "source";
  private static final Set<String> TABLE_FIELDS = Set.of("routes", "default-next-hop", SOURCE);
  private static final List<String> ROUTE_FIELDS =
      List.of("name", "user-prefix", "host", "next-hop", "midcall-policy", "trusted", "auth", "request-uri");
  private static final Set<String> AUTH_FIELDS = Set.of("username", "password-env", "realm");
  private static final String SHAPE =
      "{\"routes\": [{\"name\": ..., \"user-prefix\": ..., \"host\": ..., \"next-hop\": \"sip:...\"}], "
          + "\"default-next-hop\": \"sip:...\"}";

  private RouteTableJson() {}

  /**
   * The table as JSON; every route with its five basic fields ({@code midcall-policy} null when it
   * has none), and {@code trusted}, {@code auth} and {@code request-uri} only when they differ from
   * the default: a table without them stays readable by nodes that predate them (rolling upgrade).
   * {@code auth} names the password's environment variable; no password is ever in the table.
   */
  public static ObjectNode toJson(RouteTable table) {
    ObjectNode out = JsonNodeFactory.instance.objectNode();
    out.put("default-next-hop", table.defaultHop().uri());
    ArrayNode routes = out.putArray("routes");
    for (RouteTable.Route r : table.all()) {
      ObjectNode route = routes.addObject();
      route.put("name", r.name());
      route.put("user-prefix", r.userPrefix());
      route.put("host", r.host());
      route.put("next-hop", r.nextHop().uri());
      route.put("midcall-policy", r.midcallPolicy().map(MidcallPolicy::keyword).orElse(null));
      if (r.trusted()) {
        route.put("trusted", true);
      }
      r.auth().ifPresent(a -> {
        ObjectNode auth = route.putObject("auth");
        auth.put("username", a.username());
        auth.put("password-env", a.passwordEnv());
        if (!a.realm().isEmpty()) {
          auth.put("realm", a.realm());
        }
      });
      if (r.requestUri() != RequestUriForm.NEXT_HOP) {
        route.put("request-uri", r.requestUri().keyword());
      }
    }
    return out;
  }

  /**
   * Reads a whole table. {@code routes} is required (it may be empty); {@code default-next-hop} is
   * optional, {@code defaultHop} applies without it; {@code source} is ignored. A route needs a
   * {@code next-hop}; {@code name} defaults to {@code route-<n>} (1-based); {@code user-prefix},
   * {@code host} and {@code midcall-policy} may be absent or null. Unknown fields are errors (a
   * misspelt one would otherwise be silently lost).
   *
   * @throws IllegalArgumentException saying what is wrong, e.g. {@code routes[1] ("uk"): next-hop is missing}
   */
  public static RouteTable parse(JsonNode json, Optional<RouteTable.NextHop> defaultHop) {
    if (json == null || !json.isObject()) {
      throw new IllegalArgumentException("expected a JSON object " + SHAPE);
    }
    unknownFields(json, TABLE_FIELDS, "", "routes, default-next-hop");
    JsonNode list = json.get("routes");
    if (list == null || list.isNull()) {
      throw new IllegalArgumentException("routes is missing: expected " + SHAPE);
    }
    if (!list.isArray()) {
      throw new IllegalArgumentException("routes must be an array of routes, got " + list.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
    }
    List<RouteTable.Route> routes = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      routes.add(route(list.get(i), i, names));
    }
    RouteTable.NextHop fallback = null;
    String defaultText = text(json, "default-next-hop", "");
    if (defaultText != null) {
      try {
        fallback = RouteTable.NextHop.parse(defaultText);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("default-next-hop: " + e.getMessage(), e);
      }
    } else if (defaultHop.isPresent()) {
      fallback = defaultHop.get();
    } else {
      throw new IllegalArgumentException("default-next-hop is missing");
    }
    return new RouteTable(routes, fallback);
  }

  private static RouteTable.Route route(JsonNode json, int index, Set<String> names) {
    String where = "routes[" + index + "]";
    if (json == null || !json.isObject()) {
      throw new IllegalArgumentException(where + ": expected an object with " + String.join(", ", ROUTE_FIELDS));
    }
    String given = text(json, "name", where);
    String name = given == null ? "route-" + (index + 1) : given;
    String at = where + " (\"" + name + "\")";
    unknownFields(json, Set.copyOf(ROUTE_FIELDS), at, String.join(", ", ROUTE_FIELDS));
    try {
      RouteTable.checkName(name, names);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(at + ": " + e.getMessage(), e);
    }
    String hop = text(json, "next-hop", at);
    if (hop == null) {
      throw new IllegalArgumentException(at + ": next-hop is missing");
    }
    try {
      String policy = text(json, "midcall-policy", at);
      String form = text(json, "request-uri", "");
      return new RouteTable.Route(name, orEmpty(text(json, "user-prefix", at)), orEmpty(text(json, "host", at)),
          RouteTable.NextHop.parse(hop),
          policy == null || policy.isBlank() ? Optional.empty() : Optional.of(MidcallPolicy.parse(policy)),
          flag(json, "trusted"), auth(json.get("auth")),
          form == null || form.isBlank() ? RequestUriForm.NEXT_HOP : RequestUriForm.parse(form));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(at + ": " + e.getMessage(), e);
    }
  }

  /** A boolean field, false when absent or null. */
  private static boolean flag(JsonNode json, String field) {
    JsonNode v = json.get(field);
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isBoolean()) {
      throw new IllegalArgumentException(field + " must be true or false, got " + v);
    }
    return v.booleanValue();
  }

  /** {@code {"username": ..., "password-env": ..., "realm": ...}}; a password itself is refused. */
  private static Optional<TrunkAuth> auth(JsonNode json) {
    if (json == null || json.isNull()) {
      return Optional.empty();
    }
    if (!json.isObject()) {
      throw new IllegalArgumentException("auth must be an object with username, password-env, realm");
    }
    if (json.has("password")) {
      throw new IllegalArgumentException("auth: no password in the table; put it in an environment variable "
          + "of every node and name it with password-env");
    }
    unknownFields(json, AUTH_FIELDS, "auth", "username, password-env, realm");
    String user = text(json, "username", "auth");
    String env = text(json, "password-env", "auth");
    if (user == null || env == null) {
      throw new IllegalArgumentException("auth needs username and password-env");
    }
    return Optional.of(new TrunkAuth(user, env, text(json, "realm", "auth")));
  }

  /** The string field, null when absent or null; an error when it is something else. */
  private static String text(JsonNode json, String field, String where) {
    JsonNode v = json.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new IllegalArgumentException((where.isEmpty() ? "" : where + ": ") + field + " must be a string, got " + v);
    }
    return v.asText();
  }

  private static String orEmpty(String s) {
    return s == null ? "" : s;
  }

  private static void unknownFields(JsonNode json, Set<String> known, String where, String listed) {
    for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!known.contains(field)) {
        throw new IllegalArgumentException((where.isEmpty() ? "" : where + ": ") + "unknown field '" + field
            + "' (known: " + listed + ")");
      }
    }
  }
}
