package io.sbc.node.http;

import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefixTest;

import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.cluster.Cluster;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.management.cluster.javadsl.ClusterHttpManagementRoutes;
import org.apache.pekko.management.javadsl.ManagementRouteProvider;
import org.apache.pekko.management.javadsl.ManagementRouteProviderSettings;

/**
 * Pekko Management's own cluster routes ({@code /cluster/members}, {@code /cluster/shards}),
 * served as they are, with their writes (a member told to leave with {@code DELETE} or {@code PUT
 * operation=Leave}, or downed with {@code operation=Down}) behind the same admin token as the SBC's
 * routes: reads stay open, as Kubernetes probes and dashboards need. Replaces the provider the
 * library registers under {@code pekko.management.http.routes.cluster-management}.
 */
public final class ClusterMemberRoutes implements ManagementRouteProvider {
  private final Cluster cluster;
  private final AdminToken token;

  public ClusterMemberRoutes(ExtendedActorSystem system) {
    this.cluster = Cluster.get(system);
    ManagementContext.Parts parts = ManagementContext.get(system).parts();
    this.token = new AdminToken(parts == null ? "" : parts.settings().adminToken());
  }

  @Override
  public Route routes(ManagementRouteProviderSettings settings) {
    Route all = ClusterHttpManagementRoutes.all(cluster);
    // only under /cluster: the guard answers 401/403 itself, so it must not see other providers' paths
    return pathPrefixTest("cluster", () -> concat(get(() -> all), token.guard(() -> all)));
  }
}
