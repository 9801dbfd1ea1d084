package io.sbc.node.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Seeds, bootstrap or a cluster of one: what the node derives for Pekko, and the combinations refused. */
class ClusterFormationTest {
  /** The node's configuration as Main loads it (application.conf over the references) with {@code hocon} on top. */
  static Config node(String hocon) {
    return ConfigFactory.parseString(hocon)
        .withFallback(ConfigFactory.parseResources("application.conf"))
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
  }

  @Test
  void seedNodesBecomePekkoAddressesAndBootstrapStaysOff() {
    Config derived = ClusterFormation.derive(node("sbc.cluster.seed-nodes = \"10.0.0.1:7355, 10.0.0.2:7355\""));
    assertEquals(List.of("pekko://sbc@10.0.0.1:7355", "pekko://sbc@10.0.0.2:7355"),
        derived.getStringList("pekko.cluster.seed-nodes"));
    assertFalse(derived.hasPath("pekko.discovery.config.services"));
    assertFalse(node("").getBoolean("sbc.cluster.bootstrap.enabled"), "off unless asked for");
  }

  @Test
  void aFirstSeedThatWasAMemberBeforeWaitsLongerForTheOthersInsteadOfFormingASecondCluster(@TempDir Path dir)
      throws Exception {
    String node1 = "sbc { data-dir = \"" + dir + "\", cluster { host = sbc1, port = 7355, "
        + "seed-nodes = \"sbc1:7355,sbc2:7355,sbc3:7355\" } }";
    assertFalse(ClusterFormation.derive(node(node1)).hasPath("pekko.cluster.seed-node-timeout"),
        "a first start keeps Pekko's timeout: the cluster must form even when the others are late");
    Files.writeString(ClusterFormation.memberMarker(node(node1)), "member\n");
    assertEquals(Duration.ofSeconds(60),
        ClusterFormation.derive(node(node1)).getDuration("pekko.cluster.seed-node-timeout"));
    String node2 = node1.replace("host = sbc1", "host = sbc2");
    assertFalse(ClusterFormation.derive(node(node2)).hasPath("pekko.cluster.seed-node-timeout"),
        "the other seeds never form a cluster of their own: nothing to change");
    String alone = node1.replace("sbc1:7355,sbc2:7355,sbc3:7355", "sbc1:7355");
    assertFalse(ClusterFormation.derive(node(alone)).hasPath("pekko.cluster.seed-node-timeout"),
        "a node that is its only seed joins itself at once");
  }

  @Test
  void bootstrapAndSeedsExcludeEachOther() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ClusterFormation.derive(
        node("sbc.cluster { seed-nodes = \"10.0.0.1:7355\", bootstrap.enabled = on }")));
    assertTrue(e.getMessage().contains("exclude each other"), e.getMessage());
  }

  @Test
  void kubernetesApiDiscoveryNeedsNoContactPointsAndReachesTheLibrarySettings() {
    Config config = node("sbc.cluster.bootstrap { enabled = on, service-name = \"sbc-prod\", required-contact-points = 3 }");
    Config derived = ClusterFormation.derive(config);
    assertTrue(derived.isEmpty(), "nothing to derive: " + derived);
    Config discovery = config.getConfig("pekko.management.cluster.bootstrap.contact-point-discovery");
    assertEquals("kubernetes-api", discovery.getString("discovery-method"));
    assertEquals("sbc-prod", discovery.getString("service-name"));
    assertEquals(3, discovery.getInt("required-contact-point-nr"));
    assertEquals("org.apache.pekko.discovery.kubernetes.KubernetesApiServiceDiscovery",
        config.getString("pekko.discovery.kubernetes-api.class"), "the discovery jar is on the class path");
    assertEquals("app=%s", config.getString("pekko.discovery.kubernetes-api.pod-label-selector"),
        "deploy/k8s labels the pods app: sbc");
  }

  @Test
  void configDiscoveryListsTheContactPointsAsEndpointsOfTheService() {
    Config derived = ClusterFormation.derive(node("sbc.cluster.bootstrap { enabled = on, discovery-method = config, "
        + "contact-points = \"127.0.0.1:8601,127.0.0.1:8602, [::1]:8603\" }"));
    List<? extends Config> endpoints = derived.getConfigList("pekko.discovery.config.services.sbc.endpoints");
    assertEquals(3, endpoints.size());
    assertEquals("127.0.0.1", endpoints.get(1).getString("host"));
    assertEquals(8602, endpoints.get(1).getInt("port"));
    assertEquals("::1", endpoints.get(2).getString("host"));
    assertFalse(derived.getBoolean("pekko.management.cluster.bootstrap.contact-point.filter-on-fallback-port"),
        "several management ports on one host are all kept");
  }

  @Test
  void configDiscoveryWithoutContactPointsOrAnUnknownMethodIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> ClusterFormation.derive(
        node("sbc.cluster.bootstrap { enabled = on, discovery-method = config }")));
    assertThrows(IllegalArgumentException.class, () -> ClusterFormation.derive(
        node("sbc.cluster.bootstrap { enabled = on, discovery-method = zookeeper }")));
    assertThrows(IllegalArgumentException.class, () -> ClusterFormation.derive(
        node("sbc.cluster.bootstrap { enabled = on, discovery-method = config, contact-points = \"127.0.0.1\" }")));
  }
}
