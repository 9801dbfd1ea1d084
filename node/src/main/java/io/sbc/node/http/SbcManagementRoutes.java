package io.sbc.node.http;

import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.delete;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static io.sbc.node.http.JsonReplies.JSON;
import static io.sbc.node.http.JsonReplies.error;
import static io.sbc.node.http.JsonReplies.json;

import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The SBC's own routes on the Pekko Management HTTP server, JSON in and out: the cluster-wide
 * midcall-signaling policy and session-timer settings ({@link PolicyRoutes}), the route table
 * ({@link RouteTableRoutes}), the calls ({@link CallRoutes}) and {@code GET|POST|DELETE /sbc/drain}
 * (stop or resume taking new INVITEs on this node). Writes need the admin token; an error is a
 * status with {@code {"error": "..."}} and changes nothing.
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
        PolicyRoutes.routes(this::withParts, this::write),
        RouteTableRoutes.routes(this::withParts, this::write),
        CallRoutes.routes(this::withParts, this::write),
        path("drain", () -> concat(
            get(() -> withParts(this::drainView)),
            post(() -> write(() -> withParts(parts -> drain(parts, true)))),
            delete(() -> write(() -> withParts(parts -> drain(parts, false))))))));
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
    return token.guard(then);
  }
}
