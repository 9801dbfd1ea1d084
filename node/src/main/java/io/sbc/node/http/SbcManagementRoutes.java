package io.sbc.node.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.delete;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.onComplete;
import static org.apache.pekko.http.javadsl.server.Directives.optionalHeaderValueByName;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.Directives.put;
import static io.sbc.node.http.JsonReplies.JSON;
import static io.sbc.node.http.JsonReplies.error;
import static io.sbc.node.http.JsonReplies.errorResponse;
import static io.sbc.node.http.JsonReplies.json;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sbc.node.policy.MidcallPolicy;
import io.sbc.node.routing.RouteTable;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SBC's own routes on the Pekko Management HTTP server, JSON in and out:
 * {@code GET|PUT|DELETE /sbc/policy} (the cluster-wide midcall-signaling policy),
 * {@code PUT|DELETE /sbc/routes/{name}/policy} (a route's override) and
 * {@code GET|POST|DELETE /sbc/drain} (stop or resume taking new INVITEs on this node) and the calls
 * ({@link CallRoutes}). Writes need
 * the admin token; an error is a status with {@code {"error": "..."}} and changes nothing.
 */
public final class SbcManagementRoutes implements ManagementRouteProvider {
  private static final Logger log = LoggerFactory.getLogger(SbcManagementRoutes.class);

  private final ManagementContext context;
  private final AdminToken token;

  public SbcManagementRoutes(ExtendedActorSystem system) {
    this.context = ManagementContext.get(system);
    ManagementContext.Parts parts = context.parts();
    this.token = new AdminToken(parts == null ? "" : parts.settings().adminToken());
    if (!token.configured()) {
      log.warn("no admin token configured (SBC_ADMIN_TOKEN): the SBC's management writes answer 403");
    }
  }

  @Override
  public Route routes(ManagementRouteProviderSettings settings) {
    return pathPrefix("sbc", () -> concat(
        path("policy", () -> concat(
            get(() -> withParts(this::policyView)),
            put(() -> write(() -> jsonBody(body -> withParts(parts -> setGlobal(parts, body))))),
            delete(() -> write(() -> withParts(this::clearGlobal))))),
        pathPrefix("routes", () -> path(PathMatchers.segment().slash("policy"), name -> concat(
            put(() -> write(() -> jsonBody(body -> withParts(parts -> setRoute(parts, name, body))))),
            delete(() -> write(() -> withParts(parts -> clearRoute(parts, name))))))),
        CallRoutes.routes(this::withParts, this::write),
        path("drain", () -> concat(
            get(() -> withParts(this::drainView)),
            post(() -> write(() -> withParts(parts -> drain(parts, true)))),
            delete(() -> write(() -> withParts(parts -> drain(parts, false))))))));
  }

  // ---- policy ------------------------------------------------------------------------------

  private Route policyView(ManagementContext.Parts parts) {
    ObjectNode out = JSON.createObjectNode();
    out.put("policy", parts.policyStore().global().orElse(parts.settings().midcallPolicy()).keyword());
    out.put("configured", parts.settings().midcallPolicy().keyword());
    out.put("runtime", parts.policyStore().global().map(MidcallPolicy::keyword).orElse(null));
    ObjectNode overrides = out.putObject("route-overrides");
    parts.policyStore().routeOverrides().forEach((route, p) -> overrides.put(route, p.keyword()));
    ObjectNode routes = out.putObject("routes");
    routes.put(RouteTable.DEFAULT_ROUTE, parts.resolver().policyFor(RouteTable.DEFAULT_ROUTE).keyword());
    for (RouteTable.Route r : parts.settings().routes().all()) {
      routes.put(r.name(), parts.resolver().policyFor(r.name()).keyword());
    }
    return json(StatusCodes.OK, out);
  }

  private Route setGlobal(ManagementContext.Parts parts, JsonNode body) {
    return withPolicy(body, p -> stored(parts.policyStore().setGlobal(p), () -> {
      log.info("midcall-signaling policy set to {} cluster-wide over HTTP", p.keyword());
      return json(StatusCodes.OK, JSON.createObjectNode().put("policy", p.keyword()));
    }));
  }

  /** The runtime value goes; the store's readers see that within about a second, so say what it is now. */
  private Route clearGlobal(ManagementContext.Parts parts) {
    return stored(parts.policyStore().clearGlobal(), () -> {
      log.info("runtime midcall-signaling policy cleared over HTTP; the configured {} applies",
          parts.settings().midcallPolicy().keyword());
      return json(StatusCodes.OK, JSON.createObjectNode()
          .put("policy", parts.settings().midcallPolicy().keyword()).putNull("runtime"));
    });
  }

  private Route setRoute(ManagementContext.Parts parts, String name, JsonNode body) {
    if (parts.settings().routes().named(name).isEmpty()) {
      return error(StatusCodes.NOT_FOUND, "no route named '" + name + "'");
    }
    return withPolicy(body, p -> stored(parts.policyStore().setRoute(name, p), () -> {
      log.info("midcall-signaling policy of route {} set to {} cluster-wide over HTTP", name, p.keyword());
      return json(StatusCodes.OK, JSON.createObjectNode().put("route", name).put("policy", p.keyword()));
    }));
  }

  private Route clearRoute(ManagementContext.Parts parts, String name) {
    if (parts.settings().routes().named(name).isEmpty()) {
      return error(StatusCodes.NOT_FOUND, "no route named '" + name + "'");
    }
    return stored(parts.policyStore().clearRoute(name),
        () -> json(StatusCodes.OK, JSON.createObjectNode().put("route", name).putNull("policy")));
  }

  private static Route withPolicy(JsonNode body, Function<MidcallPolicy, Route> then) {
    JsonNode value = body.get("policy");
    if (value == null || !value.isTextual()) {
      return error(StatusCodes.BAD_REQUEST, "expected {\"policy\": \"<name>\"}");
    }
    try {
      return then.apply(MidcallPolicy.parse(value.asText()));
    } catch (IllegalArgumentException e) {
      return error(StatusCodes.BAD_REQUEST, e.getMessage());
    }
  }

  /** Completes once the cluster-wide store has the change (a majority of nodes holds it). */
  private static Route stored(CompletionStage<Done> write, Supplier<Route> then) {
    return onComplete(write, done -> done.isSuccess()
        ? then.get()
        : error(StatusCodes.SERVICE_UNAVAILABLE, "not stored cluster-wide: " + done.failed().get().getMessage()));
  }

  // ---- drain -------------------------------------------------------------------------------

  private Route drainView(ManagementContext.Parts parts) {
    return json(StatusCodes.OK, JSON.createObjectNode().put("draining", parts.admission().draining())
        .put("refused", parts.admission().refusedDraining()));
  }

  private Route drain(ManagementContext.Parts parts, boolean on) {
    if (parts.admission().draining() != on) {
      parts.admission().draining(on);
      log.info(on ? "draining: new INVITEs get 503, /ready is false; calls up go on"
          : "drain ended: taking new INVITEs again");
    }
    return drainView(parts);
  }

  // ---- plumbing ----------------------------------------------------------------------------

  private Route withParts(Function<ManagementContext.Parts, Route> then) {
    ManagementContext.Parts parts = context.parts();
    return parts == null ? error(StatusCodes.SERVICE_UNAVAILABLE, "the node is still starting") : then.apply(parts);
  }

  private Route write(Supplier<Route> then) {
    return optionalHeaderValueByName("Authorization", auth -> switch (token.check(auth)) {
      case ALLOWED -> then.get();
      case UNAUTHORIZED -> complete(errorResponse(StatusCodes.UNAUTHORIZED, "missing or wrong admin token")
          .addHeader(RawHeader.create("WWW-Authenticate", "Bearer")));
      case WRITES_DISABLED -> error(StatusCodes.FORBIDDEN,
          "writes are disabled: this node has no admin token (SBC_ADMIN_TOKEN)");
    });
  }

  private static Route jsonBody(Function<JsonNode, Route> then) {
    return entity(Unmarshaller.entityToString(), text -> {
      JsonNode body;
      try {
        body = JSON.readTree(text);
      } catch (JsonProcessingException e) {
        return error(StatusCodes.BAD_REQUEST, "body is not JSON: " + e.getOriginalMessage());
      }
      return body != null && body.isObject() ? then.apply(body) : error(StatusCodes.BAD_REQUEST, "body must be a JSON object");
    });
  }
}
