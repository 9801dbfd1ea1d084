package io.sbc.node;

import com.typesafe.config.Config;
import io.sbc.protocol.Transport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Ordered routing table: the first route whose Request-URI user prefix and host both match
 * (an empty criterion matches anything) names the next hop; otherwise the default next hop.
 */
public final class Routes {

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

  /** One row of {@code sbc.routes}. */
  public record Route(String userPrefix, String host, NextHop nextHop) {
    boolean matches(String user, String requestHost) {
      boolean userOk = userPrefix.isEmpty() || (user != null && user.startsWith(userPrefix));
      boolean hostOk = host.isEmpty() || host.equalsIgnoreCase(requestHost);
      return userOk && hostOk;
    }
  }

  private final List<Route> routes;
  private final NextHop defaultHop;

  public Routes(List<Route> routes, NextHop defaultHop) {
    this.routes = List.copyOf(routes);
    this.defaultHop = defaultHop;
  }

  static Routes create(Config sbc) {
    List<Route> routes = new ArrayList<>();
    for (Config r : sbc.getConfigList("routes")) {
      routes.add(
          new Route(
              r.hasPath("user-prefix") ? r.getString("user-prefix") : "",
              r.hasPath("host") ? r.getString("host") : "",
              NextHop.parse(r.getString("next-hop"))));
    }
    return new Routes(routes, NextHop.parse(sbc.getString("next-hop")));
  }

  public NextHop select(String requestUser, String requestHost) {
    for (Route route : routes) {
      if (route.matches(requestUser, requestHost)) {
        return route.nextHop();
      }
    }
    return defaultHop;
  }
}
