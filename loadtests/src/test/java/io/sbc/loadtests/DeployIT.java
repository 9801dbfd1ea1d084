package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The deployment's start-up paths with real node JVMs on loopback. Three nodes form one cluster through
 * Pekko Management Cluster Bootstrap, config discovery standing in for the Kubernetes API, with no seed
 * nodes anywhere. The third is started as the image starts it: its ENTRYPOINT (deploy/start-node.sh)
 * with the Dockerfile's ENV (the jar, data dir and ports adapted, a small heap added) and the secrets
 * as files; it answers the image's HEALTHCHECK command and is drained by the Kubernetes preStop hook.
 */
class DeployIT {
  private static final List<NodeProcess> nodes = new ArrayList<>();
  private static final Map<NodeProcess, Map<String, String>> envs = new HashMap<>();
  private static String token;

  @BeforeAll
  static void start() throws Exception {
    int[] cluster = {Ports.free(), Ports.free(), Ports.free()};
    int[] http = {Ports.free(), Ports.free(), Ports.free()};
    List<String> contactPoints = new ArrayList<>();
    for (int h : http) {
      contactPoints.add("127.0.0.1:" + h);
    }
    Map<String, String> common = Map.of("SBC_CLUSTER_BOOTSTRAP", "on", "SBC_DISCOVERY_METHOD", "config",
        "SBC_BOOTSTRAP_CONTACT_POINTS", String.join(",", contactPoints), "SBC_BOOTSTRAP_REQUIRED_CONTACTS", "3",
        "SBC_NEXT_HOP", "sip:127.0.0.1:" + Ports.free());
    token = "it-token-" + System.nanoTime();
    String secret = "it-secret-" + System.nanoTime();
    String jar = NodeProcess.jar().toString();
    for (int i = 0; i < 2; i++) {
      Map<String, String> env = new HashMap<>(common);
      env.putAll(Map.of("SBC_ADMIN_TOKEN", token, "SBC_CLUSTER_SECRET", secret));
      nodes.add(NodeProcess.launch("deploy-" + (i + 1), List.of(NodeProcess.javaBin(), "-Xms128m", "-Xmx384m",
          "-XX:+UseSerialGC", "--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens",
          "java.base/sun.nio.ch=ALL-UNNAMED", "-jar", jar), env, cluster[i], Ports.free(), http[i]));
      envs.put(nodes.get(i), env);
    }
    // the image's start-up: its ENTRYPOINT with its ENV, secrets as files
    Dockerfile image = DockerfileTest.node();
    Map<String, String> env = new HashMap<>(DockerfileTest.env(image));
    env.putAll(common);
    env.put("SBC_NODE_JAR", jar);
    env.put("SBC_JAVA_OPTS", env.get("SBC_JAVA_OPTS") + " -Xms128m -Xmx384m -XX:+UseSerialGC");
    Path secrets = Files.createDirectories(Work.dir().resolve("deploy-secrets-" + System.nanoTime()));
    env.put("SBC_ADMIN_TOKEN_FILE", Files.writeString(secrets.resolve("admin_token"), token + "\n").toString());
    env.put("SBC_CLUSTER_SECRET_FILE", Files.writeString(secrets.resolve("cluster_secret"), secret).toString());
    List<String> entrypoint = image.finalStage("ENTRYPOINT").get(0).execForm();
    String script = entrypoint.get(0).replaceFirst("^/opt/sbc/", ""); // COPY deploy/start-node.sh /opt/sbc/deploy/
    NodeProcess third = NodeProcess.launch("deploy-image", List.of("bash", DeployFiles.repo().resolve(script).toString()),
        env, cluster[2], Ports.free(), http[2]);
    env.put("SBC_HTTP_PORT", Integer.toString(third.httpPort));
    nodes.add(third);
    envs.put(third, env);
    for (NodeProcess n : nodes) {
      n.awaitReady(Duration.ofSeconds(150));
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (NodeProcess n : nodes) {
      n.close();
    }
  }

  @Test
  void threeNodesFormOneClusterThroughBootstrapWithoutSeedNodes() throws Exception {
    for (NodeProcess n : nodes) {
      n.awaitUpMembers(3);
      String members = n.httpGet("/cluster/members");
      for (NodeProcess other : nodes) {
        assertTrue(members.contains("127.0.0.1:" + other.clusterPort), "member " + other.clusterPort + " in " + members);
      }
      String log = Files.readString(n.log);
      assertTrue(log.contains("cluster bootstrap: looking up service 'sbc' through config discovery"), n.tail());
      assertTrue(!log.contains("bailing out of the bootstrap process"), "no seed nodes configured: " + n.tail());
      // the contact point other nodes ask: it names the cluster's members as seeds
      String seeds = n.httpGet("/bootstrap/seed-nodes");
      assertTrue(seeds.contains("127.0.0.1:" + nodes.get(0).clusterPort), seeds);
    }
  }

  @Test
  void theImagesNodeAnswersItsHealthCheckAndTheAdminTokenFromItsFile() throws Exception {
    NodeProcess node = nodes.get(2);
    assertEquals(200, ManagementHttp.call(node, "GET", "/alive", null, null).statusCode());
    assertEquals(200, ManagementHttp.call(node, "GET", "/ready", null, null).statusCode());
    assertEquals(0, healthCheck(node, "/alive"), "the image's HEALTHCHECK command");
    assertEquals(0, healthCheck(node, "/ready"), "the compose health check");
    assertEquals(401, ManagementHttp.call(node, "POST", "/sbc/drain", "wrong", null).statusCode());

    // Kubernetes' preStop: drain with the token from the secret file; /ready turns false
    Map<String, String> env = new HashMap<>(envs.get(node));
    env.put("SBC_PRESTOP_WAIT", "0");
    ProcessBuilder pb = new ProcessBuilder("bash", DeployFiles.deploy("prestop-drain.sh").toString()).redirectErrorStream(true);
    pb.environment().putAll(env);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("drain: HTTP/1.1 200 OK"), out);
    assertTrue(ManagementHttp.call(node, "GET", "/sbc/drain", null, null).body().contains("\"draining\":true"));
    assertNotEquals(200, ManagementHttp.call(node, "GET", "/ready", null, null).statusCode(), "draining: not ready");
    assertEquals(1, healthCheck(node, "/ready"), "the health check fails while the node is not ready");

    HttpResponse<String> resumed = ManagementHttp.call(node, "DELETE", "/sbc/drain", token, null);
    assertEquals(200, resumed.statusCode(), resumed.body());
    ManagementHttp.awaitBody(node, "/sbc/drain", "\"draining\":false", Duration.ofSeconds(10));
    assertEquals(0, healthCheck(node, "/ready"));
  }

  /** The Dockerfile's HEALTHCHECK command (the JRE's java, the image's jar) for {@code path}, with the node's environment. */
  private static int healthCheck(NodeProcess node, String path) throws Exception {
    Dockerfile image = DockerfileTest.node();
    List<String> cmd = new ArrayList<>(image.finalStage("HEALTHCHECK").get(0).execForm());
    String imageJar = DockerfileTest.env(image).get("SBC_NODE_JAR");
    cmd.replaceAll(w -> w.equals("java") ? NodeProcess.javaBin() : w.equals(imageJar) ? NodeProcess.jar().toString() : w);
    cmd.set(cmd.size() - 1, path);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("SBC_"));
    pb.environment().putAll(envs.get(node));
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "health check hung: " + out);
    return p.exitValue();
  }
}
