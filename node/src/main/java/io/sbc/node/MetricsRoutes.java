package io.sbc.node;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/** {@code GET /metrics} on the management HTTP server, in Prometheus text format. */
public final class MetricsRoutes implements ManagementRouteProvider {
  private final PrometheusMeterRegistry registry;

  public MetricsRoutes(ExtendedActorSystem system) {
    this.registry = NodeMetrics.get(system).registry();
  }

  @Override
  public Route routes(ManagementRouteProviderSettings settings) {
    return Directives.path(
        "metrics", () -> Directives.get(() -> Directives.complete(registry.scrape())));
  }
}
