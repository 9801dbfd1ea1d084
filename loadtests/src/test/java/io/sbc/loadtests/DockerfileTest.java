package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** deploy/Dockerfile (the node) and deploy/front/Dockerfile: lint, user, ports, health check, start-up path. */
class DockerfileTest {
  static Dockerfile node() throws Exception {
    return Dockerfile.parse(Files.readString(DeployFiles.deploy("Dockerfile")));
  }

  /** The ENV of the final stage (KEY=value pairs, quoted values kept whole). */
  static Map<String, String> env(Dockerfile d) {
    Map<String, String> env = new HashMap<>();
    Matcher m = Pattern.compile("([A-Z0-9_]+)=(\"[^\"]*\"|\\S+)").matcher("");
    for (Dockerfile.Instruction i : d.finalStage("ENV")) {
      m.reset(i.args());
      while (m.find()) {
        env.put(m.group(1), m.group(2).replaceAll("^\"|\"$", ""));
      }
    }
    return env;
  }

  @Test
  void bothDockerfilesPassTheLint() throws Exception {
    assertEquals(List.of(), node().lint(), "deploy/Dockerfile");
    assertEquals(List.of(), Dockerfile.parse(Files.readString(DeployFiles.deploy("front/Dockerfile"))).lint(),
        "deploy/front/Dockerfile");
  }

  @Test
  void theLintFindsWhatItLooksFor() {
    Dockerfile bad = Dockerfile.parse("""
        FROM debian
        MAINTAINER someone
        WORKDIR app
        RUN cd /tmp && sudo apt-get install kamailio | tee log
        ADD . /src
        COPY --from=builder /a /b
        EXPOSE 5060/udp 70000
        CMD java -jar x.jar
        """);
    List<String> findings = bad.lint();
    for (String rule : List.of("DL3006", "DL4000", "DL3000", "DL3003", "DL3004", "DL3014", "DL3015", "DL3009",
        "DL4006", "DL3020", "DL3022", "DL3011", "DL3025", "DL3002")) {
      assertTrue(findings.stream().anyMatch(f -> f.contains(rule)), rule + " not found in " + findings);
    }
  }

  @Test
  void buildsWithMavenOnATemurin17JdkAndRunsOnATemurin17JreAsANonRootUser() throws Exception {
    Dockerfile d = node();
    List<Dockerfile.Instruction> froms = d.all("FROM");
    assertEquals(2, froms.size(), "multi-stage: build and run");
    assertTrue(froms.get(0).args().matches("maven:3\\.9[\\d.]*-eclipse-temurin-17 AS build"), froms.get(0).args());
    assertEquals("eclipse-temurin:17-jre", froms.get(1).args());
    assertTrue(d.all("RUN").get(0).args().contains("mvn -B -q -DskipTests -pl node -am package"));
    List<Dockerfile.Instruction> users = d.finalStage("USER");
    String uid = users.get(users.size() - 1).args().split(":")[0];
    assertTrue(uid.matches("[1-9]\\d*"), "a numeric non-root user (Kubernetes runAsNonRoot checks it): " + uid);
    assertTrue(d.finalStage("RUN").get(0).args().contains("--uid " + uid), "the user is created with that uid");
  }

  @Test
  void exposesThePortsTheNodeListensOnWithTheImagesEnvironment() throws Exception {
    Dockerfile d = node();
    Config node = DeployFiles.nodeConfig(env(d));
    Set<String> expected = new TreeSet<>(List.of(
        node.getInt("sbc.sip.port") + "/udp", node.getInt("sbc.sip.port") + "/tcp",
        node.getInt("sbc.sip.tls.port") + "/tcp", node.getInt("sbc.http.port") + "/tcp",
        node.getInt("sbc.cluster.port") + "/tcp"));
    Set<String> exposed = new TreeSet<>();
    d.finalStage("EXPOSE").forEach(i -> exposed.addAll(List.of(i.args().split("\\s+"))));
    assertEquals(expected, exposed);
  }

  @Test
  void healthCheckAsksAliveThroughAClassOfTheNodeJarAndTheEntrypointIsStartNode() throws Exception {
    Dockerfile d = node();
    Map<String, String> env = env(d);
    List<String> health = d.finalStage("HEALTHCHECK").get(0).execForm();
    assertNotNull(health);
    assertEquals("java", health.get(0), "the JRE's java: the runtime image has no curl");
    assertEquals(env.get("SBC_NODE_JAR"), health.get(health.indexOf("-cp") + 1), "the jar the node runs");
    String probe = health.get(health.indexOf("-cp") + 2);
    assertNotNull(Class.forName(probe).getMethod("main", String[].class), "the probe class is in the node jar");
    assertEquals("/alive", health.get(health.size() - 1));

    List<String> entrypoint = d.finalStage("ENTRYPOINT").get(0).execForm();
    assertEquals(List.of("/opt/sbc/deploy/start-node.sh"), entrypoint);
    assertTrue(copies(d).contains("deploy/start-node.sh -> /opt/sbc/deploy/"), "start-node.sh is in the image: " + copies(d));
    assertTrue(copies(d).contains("deploy/prestop-drain.sh -> /opt/sbc/deploy/"), "so is the preStop hook");
    Set<String> reads = DeployFiles.nodeReads();
    for (String name : env.keySet()) {
      assertTrue(DeployFiles.nodeReads(reads, name), name + " is read by nobody");
    }
    assertTrue(env.get("SBC_JAVA_OPTS").contains("-XX:MaxRAMPercentage="), "heap from the container's memory");
    assertFalse(env.get("SBC_JAVA_OPTS").matches(".*-Xm[sx].*"), "a fixed heap would override the percentage");
  }

  @Test
  void whatTheBuildCopiesIsInTheContextAndNotIgnored() throws Exception {
    List<String> ignore = Files.readAllLines(DeployFiles.repo().resolve(".dockerignore")).stream()
        .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).toList();
    List<String> needed = new ArrayList<>(List.of("pom.xml", "protocol/pom.xml", "sip-gateway/pom.xml", "node/pom.xml",
        "loadtests/pom.xml", "node/src/main/java/io/sbc/node/Main.java", "deploy/front/kamailio-front.cfg"));
    for (Dockerfile d : List.of(node(), Dockerfile.parse(Files.readString(DeployFiles.deploy("front/Dockerfile"))))) {
      for (String copy : copies(d)) {
        String src = copy.split(" -> ")[0];
        if (!src.equals(".")) {
          needed.add(src);
        }
      }
    }
    for (String path : needed) {
      assertTrue(Files.exists(DeployFiles.repo().resolve(path)), path + " missing");
      assertFalse(ignored(ignore, path), path + " is excluded by .dockerignore");
    }
    assertTrue(ignored(ignore, "node/target/classes/x.class"), "build output stays out of the context");
    assertTrue(ignored(ignore, "loadtests/reports/bench.md"));
  }

  /** .dockerignore: the last matching pattern wins; a pattern also matches everything under a directory. */
  static boolean ignored(List<String> patterns, String path) {
    boolean out = false;
    for (String p : patterns) {
      boolean negate = p.startsWith("!");
      String glob = negate ? p.substring(1) : p;
      PathMatcher m = FileSystems.getDefault().getPathMatcher("glob:" + glob);
      Path candidate = Path.of(path);
      for (Path prefix = candidate; prefix != null; prefix = prefix.getParent()) {
        if (m.matches(prefix)) {
          out = !negate;
          break;
        }
      }
    }
    return out;
  }

  /** COPY instructions without --from as "source -> destination" (one entry per source). */
  static List<String> copies(Dockerfile d) {
    List<String> out = new ArrayList<>();
    for (Dockerfile.Instruction i : d.all("COPY")) {
      List<String> words = new ArrayList<>(List.of(i.args().split("\\s+")));
      if (words.get(0).startsWith("--from")) {
        continue;
      }
      words.removeIf(w -> w.startsWith("--"));
      String dest = words.remove(words.size() - 1);
      words.forEach(src -> out.add(src + " -> " + dest));
    }
    return out;
  }
}
