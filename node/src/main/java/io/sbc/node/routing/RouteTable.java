package io.sbc.node.routing;

import com.typesafe.config.Config;
import io.sbc.node.policy.MidcallPolicy;
import io.sbc.protocol.Transport;
import io.sbc.protocol.uri.RequestTarget;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Ordered routing table: the first route whose Request-URI user prefix and host both match
 * (an empty criterion matches anything) names the next hop; otherwise the default next hop.
 * Immutable; the one in force comes from {@link RouteStore} (configured or set at runtime).
 */
public final class RouteTable {
  private static final Pattern HOST = Pattern.compile("[A-Za-z0-9._-]+|\\[[0-9A-Fa-f:.]+\\]");

  /** Where a call is sent: host, port and transport of the next hop, from a SIP URI. */
  public record NextHop(String host, int port, Transport transport) {
    public NextHop {
      Objects.requireNonNull(host, "host");
      Objects.requireNonNull(transport, "transport");
    }

    /**
     * Parses {@code sip:host[:port][;transport=udp|tcp|tls]} or {@code sips:host[:port]} (TLS,
     * RFC 5630; a transport other than tls is refused); the user part, if any, is ignored. The
     * port defaults to 5061 for TLS, else 5060.
     */
    public static NextHop parse(String uri) {
      if (uri == null) {
        throw new IllegalArgumentException("next hop is missing");
      }
      String s = uri.trim();
      String lower = s.toLowerCase(Locale.ROOT);
      boolean sips = lower.startsWith("sips:");
      if (!sips && !lower.startsWith("sip:")) {
        throw new IllegalArgumentException("next hop must be a sip: or sips: URI (e.g. sip:10.0.0.1:5060;transport=tcp), got '"
            + uri + "'");
      }
      s = s.substring(sips ? 5 : 4);
      Transport transport = sips ? Transport.TLS : Transport.UDP;
      int semi = s.indexOf(';');
      if (semi >= 0) {
        for (String param : s.substring(semi + 1).split(";")) {
          String[] kv = param.split("=", 2);
          if (kv.length == 2 && kv[0].trim().equalsIgnoreCase("transport")) {
            try {
              transport = Transport.fromToken(kv[1]);
            } catch (IllegalArgumentException e) {
              throw new IllegalArgumentException("next hop '" + uri + "': " + e.getMessage() + " (udp, tcp or tls)", e);
            }
          }
        }
        s = s.substring(0, semi);
      }
      if (sips && transport != Transport.TLS) {
        throw new IllegalArgumentException("next hop '" + uri + "': a sips: URI is reached over TLS only");
      }
      int at = s.indexOf('@');
      if (at >= 0) {
        s = s.substring(at + 1);
      }
      String host = s;
      int port = transport == Transport.TLS ? 5061 : 5060;
      int colon = s.lastIndexOf(':');
      if (colon >= 0 && !s.endsWith("]")) {
        host = s.substring(0, colon);
        try {
          port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("bad port in next hop '" + uri + "'", e);
        }
        if (port < 1 || port > 65535) {
          throw new IllegalArgumentException("bad port in next hop '" + uri + "': " + port + " is not 1-65535");
        }
      }
      if (host.isEmpty()) {
        throw new IllegalArgumentException("next hop '" + uri + "' has no host");
      }
      if (!HOST.matcher(host).matches()) {
        throw new IllegalArgumentException("next hop '" + uri + "' has a bad host '" + host + "'");
      }
      return new NextHop(host, port, transport);
    }

    /**
     * The URI form {@link #parse} reads back: {@code sip:host:port}, plus {@code ;transport=} unless
     * UDP (a {@code sips:} next hop comes back as {@code ;transport=tls}).
     */
    public String uri() {
      return "sip:" + host + ":" + port + (transport == Transport.UDP ? "" : ";transport=" + transport.token());
    }
  }

  /**
   * One row of the table. {@code name} keys runtime policy overrides (default {@code route-<n>},
   * 1-based); {@code midcallPolicy} is the route's own override of the global policy. An empty
   * {@code userPrefix} or {@code host} matches anything. {@code trusted}: the next hop is a trusted
   * peer (RFC 3325 §2.3) whatever its address; {@code auth}: the SBC's credentials there;
   * {@code requestUri}: how the INVITE's Request-URI is written.
   */
  public record Route(String name, String userPrefix, String host, NextHop nextHop,
      Optional<MidcallPolicy> midcallPolicy, boolean trusted, Optional<TrunkAuth> auth, RequestUriForm requestUri) {
    public Route {
      Objects.requireNonNull(name, "name");
      userPrefix = userPrefix == null ? "" : userPrefix;
      host = host == null ? "" : host;
      Objects.requireNonNull(nextHop, "next hop");
      midcallPolicy = midcallPolicy == null ? Optional.empty() : midcallPolicy;
      auth = auth == null ? Optional.empty() : auth;
      requestUri = requestUri == null ? RequestUriForm.NEXT_HOP : requestUri;
    }

    /** A route without trust, credentials or a Request-URI form of its own. */
    public Route(String name, String userPrefix, String host, NextHop nextHop, Optional<MidcallPolicy> midcallPolicy) {
      this(name, userPrefix, host, nextHop, midcallPolicy, false, Optional.empty(), RequestUriForm.NEXT_HOP);
    }

    /**
     * {@code user} is what {@code RequestTarget.routingUser()} gives: a number without its visual
     * separators (RFC 3966 §5.1.1), so the prefix is compared without them too.
     */
    boolean matches(String user, String requestHost) {
      boolean userOk = userPrefix.isEmpty() || (user != null && user.startsWith(userPrefix)
          || user != null && user.startsWith(RequestTarget.number(userPrefix)));
      boolean hostOk = host.isEmpty() || host.equalsIgnoreCase(requestHost);
      return userOk && hostOk;
    }

    /** {@code uk (user 44*, any host) -> sip:10.0.0.1:5060, policy block}, for log lines. */
    public String describe() {
      return name + " (" + (userPrefix.isEmpty() ? "any user" : "user " + userPrefix + "*") + ", "
          + (host.isEmpty() ? "any host" : "host " + host) + ") -> " + nextHop.uri()
          + midcallPolicy.map(p -> ", policy " + p.keyword()).orElse("")
          + (trusted ? ", trusted" : "")
          + auth.map(a -> ", authenticates as " + a.username()).orElse("")
          + (requestUri == RequestUriForm.NEXT_HOP ? "" : ", request-uri " + requestUri.keyword());
    }
  }

  /** The name of the route taken when no row matches. */
  public static final String DEFAULT_ROUTE = "default";
  /** Reserved too: the runtime policy store's key of the global value. */
  private static final String GLOBAL_KEY = "*";

  private final List<Route> routes;
  private final Route defaultRoute;

  /** Throws {@link IllegalArgumentException} for a name that is empty, reserved or used twice. */
  public RouteTable(List<Route> routes, NextHop defaultHop) {
    this.routes = List.copyOf(routes);
    this.defaultRoute = new Route(DEFAULT_ROUTE, "", "", Objects.requireNonNull(defaultHop, "default next hop"),
        Optional.empty());
    Set<String> taken = new HashSet<>();
    for (Route r : this.routes) {
      checkName(r.name(), taken);
    }
  }

  /**
   * Checks a route name against the rules and the names of the routes before it (and adds it to
   * them): not empty, no '/' (it is a path segment of the HTTP API), not {@value #DEFAULT_ROUTE}
   * or "*" (reserved), not used twice.
   */
  static void checkName(String name, Set<String> taken) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("route name must not be empty");
    }
    if (name.equals(DEFAULT_ROUTE) || name.equals(GLOBAL_KEY)) {
      throw new IllegalArgumentException("route name '" + name + "' is reserved"
          + (name.equals(DEFAULT_ROUTE) ? " (the route taken when no route matches)" : ""));
    }
    if (name.contains("/")) {
      throw new IllegalArgumentException("route name '" + name + "' must not contain '/'");
    }
    if (!taken.add(name)) {
      throw new IllegalArgumentException("route name '" + name + "' is used twice");
    }
  }

  /** The table of {@code sbc.routes} and {@code sbc.next-hop}. */
  public static RouteTable create(Config sbc) {
    List<Route> routes = new ArrayList<>();
    for (Config r : sbc.getConfigList("routes")) {
      String name = r.hasPath("name") ? r.getString("name") : "route-" + (routes.size() + 1);
      try {
        routes.add(
            new Route(
                name,
                r.hasPath("user-prefix") ? r.getString("user-prefix") : "",
                r.hasPath("host") ? r.getString("host") : "",
                NextHop.parse(r.getString("next-hop")),
                r.hasPath("midcall-policy")
                    ? Optional.of(MidcallPolicy.parse(r.getString("midcall-policy")))
                    : Optional.empty(),
                r.hasPath("trusted") && r.getBoolean("trusted"),
                r.hasPath("auth") ? Optional.of(auth(r.getConfig("auth"))) : Optional.empty(),
                r.hasPath("request-uri") ? RequestUriForm.parse(r.getString("request-uri")) : RequestUriForm.NEXT_HOP));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("sbc.routes, route " + name + ": " + e.getMessage(), e);
      }
    }
    try {
      return new RouteTable(routes, NextHop.parse(sbc.getString("next-hop")));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("sbc.routes / sbc.next-hop: " + e.getMessage(), e);
    }
  }

  /** {@code auth { username, password-env, realm }}: a password itself is refused (it belongs in the environment). */
  private static TrunkAuth auth(Config auth) {
    if (auth.hasPath("password")) {
      throw new IllegalArgumentException("auth: put the password in an environment variable and name it with "
          + "password-env, not in the configuration");
    }
    if (!auth.hasPath("username") || !auth.hasPath("password-env")) {
      throw new IllegalArgumentException("auth needs username and password-env");
    }
    return new TrunkAuth(auth.getString("username"), auth.getString("password-env"),
        auth.hasPath("realm") ? auth.getString("realm") : "");
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

  /** The route of that name (the default route included), if the table has it. */
  public Optional<Route> named(String name) {
    return DEFAULT_ROUTE.equals(name)
        ? Optional.of(defaultRoute)
        : routes.stream().filter(r -> r.name().equals(name)).findFirst();
  }

  /** The routes in order, without the default route. */
  public List<Route> all() {
    return routes;
  }

  /** Where calls go when no route matches. */
  public NextHop defaultHop() {
    return defaultRoute.nextHop();
  }

  /** One line for the log: every route in order, then the default. */
  public String describe() {
    StringBuilder text = new StringBuilder();
    for (Route r : routes) {
      text.append(r.describe()).append("; ");
    }
    return text.append("default -> ").append(defaultHop().uri()).toString();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RouteTable t && t.routes.equals(routes) && t.defaultHop().equals(defaultHop());
  }

  @Override
  public int hashCode() {
    return Objects.hash(routes, defaultHop());
  }

  @Override
  public String toString() {
    return "RouteTable[" + describe() + "]";
  }
}
