package io.sbc.loadtests;

import static io.sbc.loadtests.DeployFiles.at;
import static io.sbc.loadtests.DeployFiles.list;
import static io.sbc.loadtests.DeployFiles.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.sbc.node.cluster.ClusterFormation;
import io.sbc.node.config.SbcSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** deploy/compose.yaml: three nodes, PostgreSQL and the front wired to each other and to what the node reads. */
class ComposeTest {
  private static final List<String> NODES = List.of("sbc1", "sbc2", "sbc3");
  private static Map<String, Object> compose;
  private static Map<String, Object> services;

  @BeforeAll
  static void load() throws Exception {
    compose = DeployFiles.yaml(DeployFiles.deploy("compose.yaml"));
    services = map(compose.get("services"));
  }

  private static Map<String, Object> service(String name) {
    return map(services.get(name));
  }

  private static Map<String, String> env(String service) {
    return DeployFiles.strings(service(service).get("environment"));
  }

  @Test
  void threeNodesAPostgresAndTheFront() {
    assertEquals(Set.of("sbc1", "sbc2", "sbc3", "postgres", "front"), services.keySet());
  }

  @Test
  void everyVariableSetForANodeIsReadByItAndEveryRequiredOneIsSet() throws Exception {
    Set<String> reads = DeployFiles.nodeReads();
    for (String node : NODES) {
      Map<String, String> env = env(node);
      for (String name : env.keySet()) {
        assertTrue(DeployFiles.nodeReads(reads, name), node + ": " + name + " is read by nobody");
      }
      for (String required : List.of("SBC_JOURNAL", "SBC_JDBC_URL", "SBC_JDBC_USER", "SBC_JDBC_PASSWORD_FILE",
          "SBC_ADMIN_TOKEN_FILE", "SBC_CLUSTER_SECRET_FILE", "SBC_SEED_NODES", "SBC_CLUSTER_HOST", "SBC_SIP_HOST",
          "SBC_HTTP_HOST", "SBC_NEXT_HOP", "SBC_SIP_FRONT", "SBC_SIP_FRONT_EGRESS")) {
        assertTrue(env.containsKey(required), node + " lacks " + required);
      }
      Config config = DeployFiles.nodeConfig(env);
      assertEquals("postgres", config.getString("sbc.journal"));
      ClusterFormation.derive(config); // seeds and bootstrap as the node would check them
      SbcSettings.create(config); // every setting the node validates at start
    }
  }

  @Test
  void seedNodesNameEveryNodeByServiceNameAtItsClusterAddress() {
    for (String node : NODES) {
      Map<String, String> env = env(node);
      assertEquals(node, env.get("SBC_CLUSTER_HOST"), "the remoting address must be the name the seeds use");
      List<String> seeds = new ArrayList<>();
      for (String other : NODES) {
        seeds.add(other + ":" + DeployFiles.nodeConfig(env(other)).getInt("sbc.cluster.port"));
      }
      assertEquals(String.join(",", seeds), env.get("SBC_SEED_NODES"), node + ": every node lists every seed");
    }
  }

  @Test
  void nodesUseTheDatabaseAndSecretsThatExist() {
    Map<String, String> pg = env("postgres");
    Map<String, Object> secrets = map(compose.get("secrets"));
    for (String node : NODES) {
      Map<String, String> env = env(node);
      assertEquals("jdbc:postgresql://postgres:5432/" + pg.get("POSTGRES_DB"), env.get("SBC_JDBC_URL"));
      assertEquals(pg.get("POSTGRES_USER"), env.get("SBC_JDBC_USER"));
      assertEquals(pg.get("POSTGRES_PASSWORD_FILE"), env.get("SBC_JDBC_PASSWORD_FILE"), "the same password secret");
      List<Object> mounted = list(service(node).get("secrets"));
      for (Map.Entry<String, String> e : env.entrySet()) {
        if (e.getKey().endsWith("_FILE")) {
          String secret = e.getValue().replace("/run/secrets/", "");
          assertTrue(mounted.contains(secret) && secrets.containsKey(secret), node + ": " + e + " is no mounted secret");
        }
      }
      assertEquals("service_healthy", at(service(node), "depends_on.postgres.condition"));
    }
  }

  @Test
  void nodeHealthChecksAskReadyAndStopGraceCoversTheLeave() {
    for (String node : NODES) {
      List<Object> test = list(at(service(node), "healthcheck.test"));
      assertEquals("CMD", test.get(0));
      assertEquals("io.sbc.node.http.HealthProbe", test.get(test.size() - 2));
      assertEquals("/ready", test.get(test.size() - 1));
      Duration grace = Duration.parse("PT" + service(node).get("stop_grace_period").toString().toUpperCase());
      Duration budget = DeployFiles.leaveBudget(DeployFiles.nodeConfig(env(node)));
      assertTrue(grace.compareTo(budget) >= 0, node + ": stop_grace_period " + grace + " < the leave's " + budget);
    }
  }

  @Test
  void theFrontAndTheNodesNameEachOthersSipAddresses() {
    List<Object> command = list(service("front").get("command"));
    String frontIp = command.get(0).toString();
    assertEquals(frontIp, at(service("front"), "networks.sbc.ipv4_address"));
    List<String> nodeAddresses = new ArrayList<>();
    for (String node : NODES) {
      Map<String, String> env = env(node);
      Config config = DeployFiles.nodeConfig(env);
      assertEquals(at(service(node), "networks.sbc.ipv4_address"), config.getString("sbc.sip.host"),
          node + " binds SIP to its fixed address");
      nodeAddresses.add(config.getString("sbc.sip.host") + ":" + config.getInt("sbc.sip.port"));
      assertEquals(frontIp + ":" + command.get(1), config.getString("sbc.sip.front.address"));
      assertEquals(frontIp + ":" + command.get(2), config.getString("sbc.sip.front.egress"));
      String http = list(service(node).get("ports")).get(0).toString();
      assertTrue(http.endsWith(":" + config.getInt("sbc.http.port")), node + " publishes its management port: " + http);
    }
    assertEquals(nodeAddresses, command.subList(4, command.size()), "the front's dispatcher list");
    assertTrue(list(service("front").get("ports")).contains(command.get(1) + ":" + command.get(1) + "/udp"));
  }
}
