package io.sbc.node.routing;

import com.typesafe.config.Config;
import io.sbc.node.policy.MidcallPolicy;
import io.sbc.protocol.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Ordered routing table: the first route whose Request-URI user prefix and host both match
 * (an empty criterion matches anything) names the next hop; otherwise the default next hop.
 */
public final class RouteTable {

  /** Where a call is sent: host, port and transport of the next hop, from a SIP URI. */
  public record NextHop(String host, int port, Transport transport) {
    /** Parses {@code sip:host[:port][;transport=udp|tcp]}; the user part, if any, is ignored. */
    public static NextHop parse(String uri) {
      String s = uri.trim();
      if (!s.toLowerCase(Locale.ROOT).startsWith("sip:")) {
        throw new IllegalArgumentException("next hop must be a sip: URI, got '" + uri + "'");
      }
      s = s.substring(4);
      Transport transport = Transport.UDP;
      int semi = s.indexOf(';');
      if (semi >= 0) {
        for (String param : s.substring(semi + 1).split(";")) {
          String[] kv = param.split("=", 2);
          if (kv.length == 2 && kv[0].trim().equalsIgnoreCase("transport")) {
            transport = Transport.fromToken(kv[1]);
          }
        }
        s = s.substring(0, semi);
      }
      int at = s.indexOf('@');
      if (at >= 0) {
        s = s.substring(at + 1);
      }
      int colon = s.lastIndexOf(':');
      try {
        if (colon > 0 && !s.endsWith("]")) {
          return new NextHop(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)), transport);
        }
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("bad port in next hop '" + uri + "'", e);
      }
      if (s.isEmpty()) {
        throw new IllegalArgumentException("next hop '" + uri + "' has no host");
      }
      return new NextHop(s, 5060, transport);
    }
  }

  /**
   * One row of {@code sbc.routes}. {@code name} keys runtime policy overrides (default
   * {@code route-<n>}, 1-based); {@code midcallPolicy} is the route's configured override.
   */
  public record Route(String name, String userPrefix, String host, NextHop nextHop,
      Optional<MidcallPolicy> midcallPolicy) {
    boolean matches(String user, String requestHost) {
      boolean userOk = userPrefix.isEmpty() || (user != null && user.startsWith(userPrefix));
      boolean hostOk = host.isEmpty() || host.equalsIgnoreCase(requestHost);
      return userOk && hostOk;
    }
  }

  /** The name of the route taken when no row matches. */
  public static final String DEFAULT_ROUTE = "default";

  private final List<Route> routes;
  private final Route defaultRoute;

  public RouteTable(List<Route> routes, NextHop defaultHop) {
    this.routes = List.copyOf(routes);
    this.defaultRoute = new Route(DEFAULT_ROUTE, "", "", defaultHop, Optional.empty());
  }

  public static RouteTable create(Config sbc) {
    List<Route> routes = new ArrayList<>();
    for (Config r : sbc.getConfigList("routes")) {
      String name = r.hasPath("name") ? r.getString("name") : "route-" + (routes.size() + 1);
      if (name.equals(DEFAULT_ROUTE) || routes.stream().anyMatch(x -> x.name().equals(name))) {
        throw new IllegalArgumentException("sbc.routes: route name '" + name + "' is used twice (or is reserved)");
      }
      routes.add(
          new Route(
              name,
              r.hasPath("user-prefix") ? r.getString("user-prefix") : "",
              r.hasPath("host") ? r.getString("host") : "",
              NextHop.parse(r.getString("next-hop")),
              r.hasPath("midcall-policy")
                  ? Optional.of(MidcallPolicy.parse(r.getString("midcall-policy")))
                  : Optional.empty()));
    }
    return new RouteTable(routes, NextHop.parse(sbc.getString("next-hop")));
  }

  public NextHop select(String requestUser, String requestHost) {
    return route(requestUser, requestHost).nextHop();
  }

  /** The first matching route, or the default route. */
  public Route route(String requestUser, String requestHost) {
    for (Route route : routes) {
      if (route.matches(requestUser, requestHost)) {
        return route;
      }
    }
    return defaultRoute;
  }

  /** The route of that name (the default route included), if configured. */
  public Optional<Route> named(String name) {
    return DEFAULT_ROUTE.equals(name)
        ? Optional.of(defaultRoute)
        : routes.stream().filter(r -> r.name().equals(name)).findFirst();
  }

  public List<Route> all() {
    return routes;
  }
}
