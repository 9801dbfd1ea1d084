package io.sbc.node.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sbc.node.metrics.NodeMetrics;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.http.javadsl.server.Directives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/** {@code GET /metrics} on the management HTTP server, in Prometheus text format. */
public final class MetricsEndpoint implements ManagementRouteProvider {
  private final PrometheusMeterRegistry registry;

  public MetricsEndpoint(ExtendedActorSystem system) {
    this.registry = NodeMetrics.get(system).registry();
  }

  @Override
  public Route routes(ManagementRouteProviderSettings settings) {
    return Directives.path(
        "metrics", () -> Directives.get(() -> Directives.complete(registry.scrape())));
  }
}
