package io.sbc.node.http;

import static io.sbc.node.http.JsonReplies.JSON;
import static io.sbc.node.http.JsonReplies.error;
import static io.sbc.node.http.JsonReplies.json;
import static io.sbc.node.http.JsonReplies.jsonBody;
import static io.sbc.node.http.JsonReplies.stored;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.delete;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.put;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sbc.node.routing.RouteStore;
import io.sbc.node.routing.RouteTable;
import io.sbc.node.routing.RouteTableJson;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /sbc/routes}: the route table in force; {@code PUT /sbc/routes}: a whole new table,
 * cluster-wide, for every new call (validated as a whole: a 400 changes nothing); {@code DELETE
 * /sbc/routes}: the configured {@code sbc.routes} again. The JSON is {@link RouteTableJson}'s, with
 * {@code "source": "config" | "runtime"} in front.
 */
final class RouteTableRoutes {
  private static final Logger log = LoggerFactory.getLogger(RouteTableRoutes.class);

  private RouteTableRoutes() {}

  /** The routes; {@code parts} gives the node's parts (or a 503), {@code write} wraps a write in the admin-token check. */
  static Route routes(Function<Function<ManagementContext.Parts, Route>, Route> parts,
      Function<Supplier<Route>, Route> write) {
    return path("routes", () -> concat(
        get(() -> parts.apply(p -> json(StatusCodes.OK, view(p.routeStore())))),
        put(() -> write.apply(() -> jsonBody(body -> parts.apply(p -> replace(p.routeStore(), body))))),
        delete(() -> write.apply(() -> parts.apply(p -> reset(p.routeStore()))))));
  }

  /** What {@code GET /sbc/routes} answers: the table in force and where it comes from. */
  static ObjectNode view(RouteStore store) {
    Optional<RouteTable> runtime = store.runtime();
    return view(runtime.orElse(store.configured()), runtime.isPresent());
  }

  static ObjectNode view(RouteTable table, boolean runtime) {
    ObjectNode out = JSON.createObjectNode().put(RouteTableJson.SOURCE, runtime ? "runtime" : "config");
    out.setAll(RouteTableJson.toJson(table));
    return out;
  }

  private static Route replace(RouteStore store, JsonNode body) {
    RouteTable table;
    try {
      table = RouteTableJson.parse(body, Optional.of(store.configured().defaultHop()));
    } catch (IllegalArgumentException e) {
      return error(StatusCodes.BAD_REQUEST, e.getMessage());
    }
    return stored(store.replace(table), done -> {
      log.info("route table replaced cluster-wide over HTTP, for new calls: {}", table.describe());
      return json(StatusCodes.OK, view(table, true));
    });
  }

  private static Route reset(RouteStore store) {
    return stored(store.reset(), done -> {
      log.info("runtime route table dropped over HTTP; new calls take the configured sbc.routes: {}",
          store.configured().describe());
      return json(StatusCodes.OK, view(store.configured(), false));
    });
  }
}
