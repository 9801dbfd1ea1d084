package io.sbc.node.http;

import static io.sbc.node.http.JsonReplies.JSON;
import static io.sbc.node.http.JsonReplies.cause;
import static io.sbc.node.http.JsonReplies.error;
import static io.sbc.node.http.JsonReplies.json;
import static io.sbc.node.http.JsonReplies.jsonBody;
import static io.sbc.node.http.JsonReplies.stored;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.delete;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.put;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sbc.node.config.SbcSettings.SessionTimerSettings;
import io.sbc.node.policy.MidcallPolicy;
import io.sbc.node.routing.RouteTable;
import io.sbc.node.sessiontimer.SessionTimerJson;
import io.sbc.node.sessiontimer.SessionTimerStore;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET|PUT|DELETE /sbc/policy}: the cluster-wide midcall-signaling policy and RFC 4028
 * session-timer settings; {@code DELETE /sbc/policy/session-timer}: the configured session-timer
 * settings again; {@code PUT|DELETE /sbc/routes/{name}/policy}: a route's policy override.
 */
final class PolicyRoutes {
  private static final Logger log = LoggerFactory.getLogger(PolicyRoutes.class);
  private static final String POLICY = "policy";
  private static final String SESSION_TIMER = "session-timer";
  private static final Set<String> FIELDS = Set.of(POLICY, SESSION_TIMER);

  private PolicyRoutes() {}

  /** The routes; {@code parts} gives the node's parts (or a 503), {@code write} wraps a write in the admin-token check. */
  static Route routes(Function<Function<ManagementContext.Parts, Route>, Route> parts,
      Function<Supplier<Route>, Route> write) {
    return concat(
        pathPrefix(POLICY, () -> concat(
            pathEnd(() -> concat(
                get(() -> parts.apply(p -> json(StatusCodes.OK, view(p)))),
                put(() -> write.apply(() -> jsonBody(body -> parts.apply(p -> change(p, body))))),
                delete(() -> write.apply(() -> parts.apply(PolicyRoutes::clearGlobal))))),
            path(SESSION_TIMER, () ->
                delete(() -> write.apply(() -> parts.apply(PolicyRoutes::clearSessionTimer)))))),
        pathPrefix("routes", () -> path(PathMatchers.segment().slash(POLICY), name -> concat(
            put(() -> write.apply(() -> jsonBody(body -> parts.apply(p -> setRoute(p, name, body))))),
            delete(() -> write.apply(() -> parts.apply(p -> clearRoute(p, name))))))));
  }

  /** What {@code GET /sbc/policy} answers. */
  static ObjectNode view(ManagementContext.Parts parts) {
    ObjectNode out = JSON.createObjectNode();
    out.put(POLICY, parts.policyStore().global().orElse(parts.settings().midcallPolicy()).keyword());
    out.put("configured", parts.settings().midcallPolicy().keyword());
    out.put("runtime", parts.policyStore().global().map(MidcallPolicy::keyword).orElse(null));
    ObjectNode overrides = out.putObject("route-overrides");
    parts.policyStore().routeOverrides().forEach((route, p) -> overrides.put(route, p.keyword()));
    ObjectNode routes = out.putObject("routes");
    routes.put(RouteTable.DEFAULT_ROUTE, parts.resolver().policyFor(RouteTable.DEFAULT_ROUTE).keyword());
    for (RouteTable.Route r : parts.routeStore().get().all()) {
      routes.put(r.name(), parts.resolver().policyFor(r.name()).keyword());
    }
    out.set(SESSION_TIMER, sessionTimerView(parts.sessionTimerStore()));
    return out;
  }

  /** The settings in force, then the configured and the runtime ones (null: none). */
  private static ObjectNode sessionTimerView(SessionTimerStore store) {
    ObjectNode out = SessionTimerJson.toJson(store.get());
    out.set("configured", SessionTimerJson.toJson(store.configured()));
    out.set("runtime", store.runtime().<JsonNode>map(SessionTimerJson::toJson).orElse(JSON.nullNode()));
    return out;
  }

  /**
   * {@code {"policy": ..., "session-timer": {...}}}, either or both. Everything is validated before
   * anything is written; the session-timer change goes first since it is checked once more
   * against the settings in force at the moment of the write (a 400 then leaves everything as it was).
   */
  private static Route change(ManagementContext.Parts parts, JsonNode body) {
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String field = it.next();
      if (!FIELDS.contains(field)) {
        return error(StatusCodes.BAD_REQUEST, "unknown field '" + field + "' (known: policy, session-timer)");
      }
    }
    JsonNode policyJson = body.get(POLICY);
    JsonNode timerJson = body.get(SESSION_TIMER);
    boolean hasPolicy = policyJson != null && !policyJson.isNull();
    boolean hasTimer = timerJson != null && !timerJson.isNull();
    if (!hasPolicy && !hasTimer) {
      return error(StatusCodes.BAD_REQUEST, "expected {\"policy\": \"<name>\"} and/or "
          + "{\"session-timer\": {\"enabled\": true, \"session-expires\": <s>, \"min-se\": <s>}}");
    }
    MidcallPolicy policy;
    SessionTimerJson.Change timer;
    try {
      if (hasPolicy && !policyJson.isTextual()) {
        throw new IllegalArgumentException("policy must be a string, e.g. {\"policy\": \"block\"}, got " + policyJson);
      }
      policy = hasPolicy ? MidcallPolicy.parse(policyJson.asText()) : null;
      timer = hasTimer ? SessionTimerJson.parseChange(timerJson) : null;
    } catch (IllegalArgumentException e) {
      return error(StatusCodes.BAD_REQUEST, e.getMessage());
    }
    CompletionStage<SessionTimerSettings> timerWrite = timer == null
        ? CompletableFuture.completedFuture(null)
        : parts.sessionTimerStore().change(timer);
    CompletionStage<SessionTimerSettings> writes = policy == null ? timerWrite : timerWrite.thenCompose(settings ->
        parts.policyStore().setGlobal(policy).handle((done, failed) -> {
          if (failed != null && settings != null) {
            throw new IllegalStateException("the session-timer settings were stored, the policy was not: "
                + cause(failed).getMessage(), failed);
          } else if (failed != null) {
            throw new IllegalStateException(cause(failed).getMessage(), failed);
          }
          return settings;
        }));
    return stored(writes, settings -> {
      ObjectNode out = JSON.createObjectNode();
      if (policy != null) {
        log.info("midcall-signaling policy set to {} cluster-wide over HTTP", policy.keyword());
        out.put(POLICY, policy.keyword());
      }
      if (settings != null) {
        log.info("session-timer settings changed cluster-wide over HTTP ({}): new calls and negotiations now get {}",
            timer.describe(), SessionTimerJson.describe(settings));
        out.set(SESSION_TIMER, SessionTimerJson.toJson(settings));
      }
      return json(StatusCodes.OK, out);
    });
  }

  /** The runtime value goes; the store's readers see that within about a second, so say what it is now. */
  private static Route clearGlobal(ManagementContext.Parts parts) {
    return stored(parts.policyStore().clearGlobal(), done -> {
      log.info("runtime midcall-signaling policy cleared over HTTP; the configured {} applies",
          parts.settings().midcallPolicy().keyword());
      return json(StatusCodes.OK, JSON.createObjectNode()
          .put(POLICY, parts.settings().midcallPolicy().keyword()).putNull("runtime"));
    });
  }

  private static Route clearSessionTimer(ManagementContext.Parts parts) {
    SessionTimerSettings configured = parts.sessionTimerStore().configured();
    return stored(parts.sessionTimerStore().reset(), done -> {
      log.info("runtime session-timer settings cleared over HTTP; the configured ones apply to new calls: {}",
          SessionTimerJson.describe(configured));
      ObjectNode out = JSON.createObjectNode();
      out.set(SESSION_TIMER, SessionTimerJson.toJson(configured));
      return json(StatusCodes.OK, out.putNull("runtime"));
    });
  }

  private static Route setRoute(ManagementContext.Parts parts, String name, JsonNode body) {
    if (parts.routeStore().get().named(name).isEmpty()) {
      return error(StatusCodes.NOT_FOUND, "no route named '" + name + "' in the route table in force");
    }
    JsonNode value = body.get(POLICY);
    if (value == null || !value.isTextual()) {
      return error(StatusCodes.BAD_REQUEST, "expected {\"policy\": \"<name>\"}");
    }
    MidcallPolicy p;
    try {
      p = MidcallPolicy.parse(value.asText());
    } catch (IllegalArgumentException e) {
      return error(StatusCodes.BAD_REQUEST, e.getMessage());
    }
    return stored(parts.policyStore().setRoute(name, p), done -> {
      log.info("midcall-signaling policy of route {} set to {} cluster-wide over HTTP", name, p.keyword());
      return json(StatusCodes.OK, JSON.createObjectNode().put("route", name).put(POLICY, p.keyword()));
    });
  }

  private static Route clearRoute(ManagementContext.Parts parts, String name) {
    if (parts.routeStore().get().named(name).isEmpty() && parts.policyStore().forRoute(name).isEmpty()) {
      return error(StatusCodes.NOT_FOUND, "no route named '" + name + "' in the route table in force");
    }
    return stored(parts.policyStore().clearRoute(name), done -> {
      log.info("runtime midcall-signaling policy of route {} cleared over HTTP", name);
      return json(StatusCodes.OK, JSON.createObjectNode().put("route", name).putNull(POLICY));
    });
  }
}
