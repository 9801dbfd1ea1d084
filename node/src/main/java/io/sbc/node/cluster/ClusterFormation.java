package io.sbc.node.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.pekko.actor.typed.javadsl.Adapter;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a node finds its cluster, one of three ways: the seed nodes it is given
 * ({@code sbc.cluster.seed-nodes}); Pekko Management Cluster Bootstrap ({@code sbc.cluster.bootstrap},
 * for Kubernetes, where no pod address is known before the pods run): the nodes look each other up
 * through discovery, ask each other's management server for seed nodes, and the lowest address forms
 * the cluster when there is none; or neither: a cluster of one. Seeds and bootstrap exclude each other
 * (the library would silently ignore bootstrap when seeds are set).
 */
public final class ClusterFormation {
  private static final Logger log = LoggerFactory.getLogger(ClusterFormation.class);

  private ClusterFormation() {}

  /**
   * The Pekko settings derived from {@code sbc.cluster}: seed-node addresses from the host:port list,
   * or, with bootstrap on and a contact-point list, that list as the {@code config} discovery's
   * endpoints of the service. Throws IllegalArgumentException for a combination that cannot work.
   */
  public static Config derive(Config config) {
    Config out = ConfigFactory.empty();
    String seeds = config.getString("sbc.cluster.seed-nodes").trim();
    if (!seeds.isEmpty()) {
      List<String> addresses = new ArrayList<>();
      for (String hostPort : seeds.split(",")) {
        addresses.add("pekko://sbc@" + hostPort.trim());
      }
      out = out.withValue("pekko.cluster.seed-nodes", ConfigValueFactory.fromIterable(addresses));
      if (restartedFirstSeed(config, seeds)) {
        Duration wait = config.getDuration("sbc.cluster.restarted-first-seed-timeout");
        log.info("this node is the first seed node and was a cluster member before ({}): it waits up to {} for the "
            + "other seed nodes' cluster before it would form a new one", memberMarker(config), wait);
        out = out.withValue("pekko.cluster.seed-node-timeout", ConfigValueFactory.fromAnyRef(wait));
      }
    }
    if (!config.getBoolean("sbc.cluster.bootstrap.enabled")) {
      return out;
    }
    if (!seeds.isEmpty()) {
      throw new IllegalArgumentException("sbc.cluster.seed-nodes (SBC_SEED_NODES) and sbc.cluster.bootstrap "
          + "(SBC_CLUSTER_BOOTSTRAP=on) exclude each other: give one of them");
    }
    String method = config.getString("sbc.cluster.bootstrap.discovery-method");
    if (!config.hasPath("pekko.discovery." + method + ".class")) {
      throw new IllegalArgumentException("sbc.cluster.bootstrap.discovery-method (SBC_DISCOVERY_METHOD) '" + method
          + "' is no Pekko discovery method here: kubernetes-api or config");
    }
    String service = config.getString("sbc.cluster.bootstrap.service-name");
    String points = config.getString("sbc.cluster.bootstrap.contact-points").trim();
    if (!points.isEmpty()) {
      List<Map<String, Object>> endpoints = new ArrayList<>();
      for (String hostPort : points.split(",")) {
        endpoints.add(endpoint(hostPort.trim()));
      }
      out = out.withValue("pekko.discovery.config.services." + quoted(service) + ".endpoints",
              ConfigValueFactory.fromIterable(endpoints))
          // the list names each management server exactly: keep every port, even several on one host
          .withValue("pekko.management.cluster.bootstrap.contact-point.filter-on-fallback-port",
              ConfigValueFactory.fromAnyRef(false));
    } else if (method.equals("config") && !config.hasPath("pekko.discovery.config.services." + quoted(service))) {
      throw new IllegalArgumentException("sbc.cluster.bootstrap with discovery-method config needs its contact "
          + "points: sbc.cluster.bootstrap.contact-points (SBC_BOOTSTRAP_CONTACT_POINTS, host:management-port,...)");
    }
    return out;
  }

  /**
   * Called before anything else starts: a node with neither seeds nor bootstrap joins itself. With
   * seeds Pekko joins them by itself; bootstrap waits for the management server ({@link #bootstrap}).
   */
  public static void join(ActorSystem<?> system, Config config) {
    Path marker = memberMarker(config);
    org.apache.pekko.cluster.Cluster.get(Adapter.toClassic(system)).registerOnMemberUp(() -> {
      try {
        Files.writeString(marker, "a member of a cluster of seed nodes " + config.getString("sbc.cluster.seed-nodes") + "\n");
      } catch (IOException e) {
        log.warn("could not write {}: a restart of this node as first seed node waits only Pekko's seed-node-timeout",
            marker, e);
      }
    });
    Cluster cluster = Cluster.get(system);
    if (config.getStringList("pekko.cluster.seed-nodes").isEmpty() && !config.getBoolean("sbc.cluster.bootstrap.enabled")) {
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }
  }

  /**
   * Starts cluster bootstrap when it is on. Called once the management server is up: bootstrap learns
   * its own contact point from that server's routes and gives up when it has none within 10 s.
   */
  public static void bootstrap(ActorSystem<?> system, Config config) {
    if (config.getBoolean("sbc.cluster.bootstrap.enabled")) {
      log.info("cluster bootstrap: looking up service '{}' through {} discovery, {} contact points needed to form "
              + "a new cluster", config.getString("sbc.cluster.bootstrap.service-name"),
          config.getString("sbc.cluster.bootstrap.discovery-method"),
          config.getInt("sbc.cluster.bootstrap.required-contact-points"));
      ClusterBootstrap.get(system).start();
    }
  }

  /**
   * A restarted first seed node must join the cluster that went on without it: Pekko lets the first
   * seed form a new cluster when no other seed answers within {@code seed-node-timeout} (5 s), which
   * a loaded cluster handshaking with a cold JVM can miss, and two clusters then hold the same calls.
   * The data dir says whether this node has been a member before; seeds that are up but in no cluster
   * yet answer at once (a whole cluster starting together is not slowed), only absent ones cost the wait.
   */
  static boolean restartedFirstSeed(Config config, String seeds) {
    String self = config.getString("sbc.cluster.host") + ":" + config.getInt("sbc.cluster.port");
    String first = seeds.split(",")[0].trim();
    return first.equals(self) && seeds.split(",").length > 1 && Files.exists(memberMarker(config));
  }

  static Path memberMarker(Config config) {
    return Path.of(config.getString("sbc.data-dir"), "cluster-member");
  }

  private static Map<String, Object> endpoint(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("sbc.cluster.bootstrap.contact-points: '" + hostPort
          + "' is not host:management-port");
    }
    String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
    try {
      return Map.of("host", host, "port", Integer.parseInt(hostPort.substring(colon + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("sbc.cluster.bootstrap.contact-points: bad port in '" + hostPort + "'");
    }
  }

  private static String quoted(String key) {
    return ConfigValueFactory.fromAnyRef(key).render();
  }
}
