package io.sbc.loadtests;

import static io.sbc.loadtests.DeployFiles.at;
import static io.sbc.loadtests.DeployFiles.list;
import static io.sbc.loadtests.DeployFiles.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import io.sbc.node.cluster.ClusterFormation;
import io.sbc.node.config.SbcSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** deploy/k8s: the manifests the kustomization applies, wired to each other, the image and the node's settings. */
class KubernetesManifestsTest {
  private static Map<String, Object> kustomization;
  private static final Map<String, Map<String, Object>> byKindAndName = new LinkedHashMap<>();
  private static Map<String, Object> pod;
  private static Map<String, Object> container;
  private static Map<String, String> env;

  @BeforeAll
  static void load() throws Exception {
    Path dir = DeployFiles.deploy("k8s");
    kustomization = DeployFiles.yaml(dir.resolve("kustomization.yaml"));
    for (Object file : list(kustomization.get("resources"))) {
      for (Map<String, Object> doc : DeployFiles.yamlDocuments(dir.resolve(file.toString()))) {
        byKindAndName.put(doc.get("kind") + "/" + at(doc, "metadata.name"), doc);
      }
    }
    pod = map(at(resource("Deployment/sbc"), "spec.template"));
    container = map(list(at(pod, "spec.containers")).get(0));
    env = containerEnv();
  }

  private static Map<String, Object> resource(String kindAndName) {
    Map<String, Object> r = byKindAndName.get(kindAndName);
    if (r == null) {
      throw new AssertionError(kindAndName + " not among " + byKindAndName.keySet());
    }
    return r;
  }

  /** The container's environment: the ConfigMaps of envFrom, then env (values; valueFrom as "valueFrom:<path>"). */
  private static Map<String, String> containerEnv() {
    Map<String, String> out = new LinkedHashMap<>();
    for (Object from : list(container.get("envFrom"))) {
      String name = at(map(from), "configMapRef.name").toString();
      out.putAll(DeployFiles.strings(at(resource("ConfigMap/" + name), "data")));
    }
    for (Object o : list(container.get("env"))) {
      Map<String, Object> e = map(o);
      out.put(e.get("name").toString(), e.containsKey("value") ? e.get("value").toString()
          : "valueFrom:" + at(e, "valueFrom.fieldRef.fieldPath"));
    }
    return out;
  }

  /** The environment as the node sees it: downward-API values filled in (the version from the pod label). */
  private static Map<String, String> resolvedEnv() {
    Map<String, String> out = new HashMap<>(env);
    out.replaceAll((k, v) -> v.startsWith("valueFrom:metadata.labels")
        ? labels().get(v.replaceAll(".*\\['(.*)'\\]", "$1")) : v.startsWith("valueFrom:") ? "10.1.2.3" : v);
    return out;
  }

  private static Map<String, String> labels() {
    return DeployFiles.strings(at(pod, "metadata.labels"));
  }

  private static Map<String, Integer> containerPorts(String protocol) {
    Map<String, Integer> out = new HashMap<>();
    for (Object o : list(container.get("ports"))) {
      Map<String, Object> p = map(o);
      if (p.get("protocol").equals(protocol)) {
        out.put(p.get("name").toString(), (Integer) p.get("containerPort"));
      }
    }
    return out;
  }

  @Test
  void theKustomizationListsEveryManifestAndOnlyExistingOnes() throws Exception {
    Set<String> listed = new TreeSet<>();
    list(kustomization.get("resources")).forEach(r -> listed.add(r.toString()));
    Set<String> present = new TreeSet<>();
    try (Stream<Path> files = Files.list(DeployFiles.deploy("k8s"))) {
      files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml") && !n.equals("kustomization.yaml"))
          .forEach(present::add);
    }
    assertEquals(present, listed);
    for (Map<String, Object> r : byKindAndName.values()) {
      if (!r.get("kind").equals("Namespace")) {
        assertEquals(kustomization.get("namespace"), at(r, "metadata.namespace"), r.get("kind") + " namespace");
      }
    }
  }

  @Test
  void rollingUpdateOneAtATimeAndADisruptionBudgetThatKeepsTheMajority() {
    Map<String, Object> spec = map(at(resource("Deployment/sbc"), "spec"));
    assertEquals("RollingUpdate", at(spec, "strategy.type"));
    assertEquals(1, at(spec, "strategy.rollingUpdate.maxUnavailable"));
    assertEquals(1, at(spec, "strategy.rollingUpdate.maxSurge"));
    Map<String, Object> pdb = resource("PodDisruptionBudget/sbc");
    assertEquals(1, at(pdb, "spec.maxUnavailable"));
    int replicas = (Integer) spec.get("replicas");
    assertTrue(replicas - 1 > replicas / 2, "one pod away, the rest is still a majority");
    assertTrue(labels().entrySet().containsAll(map(at(pdb, "spec.selector.matchLabels")).entrySet()));
    assertTrue(labels().entrySet().containsAll(map(at(spec, "selector.matchLabels")).entrySet()));
  }

  @Test
  void everyVariableIsReadByTheNodeAndTheClusterFormsThroughTheKubernetesApi() throws Exception {
    Set<String> reads = DeployFiles.nodeReads();
    Set<String> referenced = new TreeSet<>();
    env.values().forEach(v -> java.util.regex.Pattern.compile("\\$\\((\\w+)\\)").matcher(v).results()
        .forEach(m -> referenced.add(m.group(1))));
    for (String name : env.keySet()) {
      assertTrue(DeployFiles.nodeReads(reads, name) || referenced.contains(name), name + " is read by nobody");
    }
    for (String required : List.of("SBC_JOURNAL", "SBC_JDBC_URL", "SBC_JDBC_USER", "SBC_JDBC_PASSWORD_FILE",
        "SBC_ADMIN_TOKEN_FILE", "SBC_CLUSTER_SECRET_FILE", "SBC_CLUSTER_HOST", "SBC_SIP_HOST", "SBC_HTTP_HOST",
        "SBC_NEXT_HOP", "SBC_APP_VERSION", "SBC_CLUSTER_BOOTSTRAP", "SBC_DISCOVERY_METHOD")) {
      assertTrue(env.containsKey(required), "the container lacks " + required);
    }
    assertFalse(env.containsKey("SBC_SEED_NODES"), "bootstrap, not seeds");
    Config node = DeployFiles.nodeConfig(resolvedEnv());
    assertTrue(node.getBoolean("sbc.cluster.bootstrap.enabled"));
    assertEquals("kubernetes-api", node.getString("pekko.management.cluster.bootstrap.contact-point-discovery.discovery-method"));
    assertTrue(ClusterFormation.derive(node).isEmpty(), "no seeds, no contact-point list");
    SbcSettings.create(node);
    String selector = node.getString("pekko.discovery.kubernetes-api.pod-label-selector")
        .formatted(node.getString("sbc.cluster.bootstrap.service-name"));
    String[] kv = selector.split("=");
    assertEquals(kv[1], labels().get(kv[0]), "discovery finds the pods by " + selector);
    assertTrue(node.getInt("sbc.cluster.bootstrap.required-contact-points")
        <= (Integer) at(resource("Deployment/sbc"), "spec.replicas"));
    assertEquals(node.getString("sbc.cluster.host"), node.getString("sbc.http.host"),
        "bootstrap finds itself by the management address of its pod");
  }

  @Test
  void theBootstrapMayListPodsAndTheDeploymentRunsAsThatAccount() {
    Map<String, Object> role = resource("Role/sbc-pod-reader");
    boolean pods = false;
    for (Object o : list(role.get("rules"))) {
      Map<String, Object> rule = map(o);
      if (list(rule.get("apiGroups")).contains("") && list(rule.get("resources")).contains("pods")) {
        pods = list(rule.get("verbs")).containsAll(List.of("get", "watch", "list"));
      }
    }
    assertTrue(pods, "get, watch and list on pods");
    Map<String, Object> binding = resource("RoleBinding/sbc-read-pods");
    assertEquals("Role", at(binding, "roleRef.kind"));
    assertEquals("sbc-pod-reader", at(binding, "roleRef.name"));
    Map<String, Object> subject = map(list(binding.get("subjects")).get(0));
    assertEquals("ServiceAccount", subject.get("kind"));
    assertEquals(at(pod, "spec.serviceAccountName"), subject.get("name"));
    resource("ServiceAccount/" + subject.get("name"));
  }

  @Test
  void containerPortsProbesAndServicesAgreeWithTheNodesSettings() {
    Config node = DeployFiles.nodeConfig(resolvedEnv());
    Map<String, Integer> tcp = containerPorts("TCP");
    Map<String, Integer> udp = containerPorts("UDP");
    assertEquals(Map.of("sip-udp", node.getInt("sbc.sip.port")), udp);
    assertEquals(Map.of("sip-tcp", node.getInt("sbc.sip.port"), "sip-tls", node.getInt("sbc.sip.tls.port"),
        "management", node.getInt("sbc.http.port"), "remoting", node.getInt("sbc.cluster.port")), tcp);
    Map<String, String> probes = Map.of("startupProbe", "/alive", "livenessProbe", "/alive", "readinessProbe", "/ready");
    probes.forEach((probe, path) -> {
      assertEquals(path, at(container, probe + ".httpGet.path"), probe);
      assertEquals(node.getInt("sbc.http.port"), tcp.get(at(container, probe + ".httpGet.port").toString()), probe);
    });
    List<String> servicePorts = new ArrayList<>();
    for (Map<String, Object> r : byKindAndName.values()) {
      if (!r.get("kind").equals("Service")) {
        continue;
      }
      assertTrue(labels().entrySet().containsAll(map(at(r, "spec.selector")).entrySet()), at(r, "metadata.name") + " selects the pods");
      for (Object o : list(at(r, "spec.ports"))) {
        Map<String, Object> p = map(o);
        Map<String, Integer> byName = p.get("protocol").equals("UDP") ? udp : tcp;
        Integer target = byName.get(p.get("targetPort").toString());
        assertTrue(target != null, at(r, "metadata.name") + ": " + p + " names no " + p.get("protocol") + " container port");
        servicePorts.add(at(r, "metadata.name") + " " + p.get("protocol") + " " + p.get("port") + "->" + target);
      }
    }
    assertTrue(servicePorts.containsAll(List.of("sbc-sip UDP 5060->5060", "sbc-sip TCP 5060->5060",
        "sbc-sip TCP 5061->5061", "sbc-management TCP 8558->8558")), servicePorts.toString());
  }

  @Test
  void theAppVersionIsTheImageTagThroughTheVersionLabel() {
    assertEquals("valueFrom:metadata.labels['app.kubernetes.io/version']", env.get("SBC_APP_VERSION"));
    Map<String, Object> image = map(list(kustomization.get("images")).get(0));
    assertEquals(image.get("name") + ":" + labels().get("app.kubernetes.io/version"), container.get("image"),
        "the manifest alone: the label is the image's tag");
    assertEquals(String.valueOf(image.get("newTag")), labels().get("app.kubernetes.io/version"));
    Map<String, Object> replacement = map(list(kustomization.get("replacements")).get(0));
    assertEquals("spec.template.spec.containers.[name=" + container.get("name") + "].image",
        at(replacement, "source.fieldPath"));
    assertEquals(List.of("spec.template.metadata.labels.[app.kubernetes.io/version]"),
        at(map(list(replacement.get("targets")).get(0)), "fieldPaths"), "kustomize copies the tag into the label");
    new org.apache.pekko.util.Version(labels().get("app.kubernetes.io/version")); // Pekko can order it
  }

  @Test
  void preStopDrainsAndTheGracePeriodCoversItAndTheLeave() throws Exception {
    List<Object> command = list(at(container, "lifecycle.preStop.exec.command"));
    Dockerfile image = DockerfileTest.node();
    String script = command.get(0).toString();
    Path inImage = Path.of(script);
    assertTrue(DockerfileTest.copies(image).contains("deploy/" + inImage.getFileName() + " -> " + inImage.getParent() + "/"),
        script + " is in the image");
    Config node = DeployFiles.nodeConfig(resolvedEnv());
    Duration needed = Duration.ofSeconds(Long.parseLong(env.get("SBC_PRESTOP_WAIT"))).plus(DeployFiles.leaveBudget(node));
    Duration grace = Duration.ofSeconds((Integer) at(pod, "spec.terminationGracePeriodSeconds"));
    assertTrue(grace.compareTo(needed) >= 0, "terminationGracePeriodSeconds " + grace + " < preStop + leave " + needed);
    assertTrue(node.getDuration("sbc.leave.drain-time").compareTo(
        node.getDuration("pekko.coordinated-shutdown.phases.service-requests-done.timeout")) < 0);
  }

  @Test
  void secretsAreMountedAsTheFilesTheNodeReadsAndTheUserIsTheImages() throws Exception {
    Map<String, Object> secret = resource("Secret/sbc-secrets");
    Set<String> keys = map(secret.get("stringData")).keySet();
    String mountPath = null;
    for (Object o : list(container.get("volumeMounts"))) {
      Map<String, Object> m = map(o);
      if (m.get("name").equals("secrets")) {
        mountPath = m.get("mountPath").toString();
      }
    }
    Set<String> files = new TreeSet<>();
    for (Map.Entry<String, String> e : env.entrySet()) {
      if (e.getKey().endsWith("_FILE")) {
        Path f = Path.of(e.getValue());
        assertEquals(mountPath, f.getParent().toString(), e.getKey());
        files.add(f.getFileName().toString());
      }
    }
    assertEquals(keys, files);
    Set<String> mounts = new TreeSet<>();
    list(container.get("volumeMounts")).forEach(o -> mounts.add(map(o).get("mountPath").toString()));
    Map<String, String> imageEnv = DockerfileTest.env(DockerfileTest.node());
    assertTrue(mounts.containsAll(List.of(imageEnv.get("SBC_DATA_DIR"), "/tmp")), "writable places of a read-only root");
    List<Dockerfile.Instruction> users = DockerfileTest.node().finalStage("USER");
    assertEquals(users.get(users.size() - 1).args().split(":")[0], at(pod, "spec.securityContext.runAsUser").toString());
    assertEquals(true, at(pod, "spec.securityContext.runAsNonRoot"));
  }
}
