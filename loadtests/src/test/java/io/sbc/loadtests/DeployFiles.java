package io.sbc.loadtests;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigResolveOptions;
import java.io.IOException;
import java.io.Reader;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.Yaml;

/**
 * What the tests of {@code deploy/} share: the files parsed with a real YAML parser, the environment
 * variables the node and its scripts really read (taken from their sources), and the configuration
 * a node would run with under a given environment.
 */
final class DeployFiles {
  private static final Pattern CONF_ENV = Pattern.compile("\\$\\{\\?(SBC_[A-Z0-9_]+)}");
  private static final Pattern LOGBACK_ENV = Pattern.compile("\\$\\{(SBC_[A-Z0-9_]+)[:}]");
  private static final Pattern SCRIPT_ENV = Pattern.compile("\\$\\{?!?(SBC_[A-Z0-9_]+)");
  private static final Pattern K8S_REF = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
  private static final Pattern COMPOSE_VAR = Pattern.compile("\\$\\{([A-Z0-9_]+)(?::?([-?])([^}]*))?}");

  private DeployFiles() {}

  static Path repo() {
    return Path.of("..").toAbsolutePath().normalize();
  }

  static Path deploy(String file) {
    return repo().resolve("deploy").resolve(file);
  }

  /** Every YAML document of a file (a manifest may hold several). */
  static List<Map<String, Object>> yamlDocuments(Path file) throws IOException {
    List<Map<String, Object>> docs = new ArrayList<>();
    try (Reader in = Files.newBufferedReader(file)) {
      for (Object doc : new Yaml().loadAll(in)) {
        if (doc != null) {
          docs.add(map(doc));
        }
      }
    }
    return docs;
  }

  static Map<String, Object> yaml(Path file) throws IOException {
    List<Map<String, Object>> docs = yamlDocuments(file);
    if (docs.size() != 1) {
      throw new AssertionError(file + ": " + docs.size() + " YAML documents, expected one");
    }
    return docs.get(0);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    if (!(o instanceof Map)) {
      throw new AssertionError("not a mapping: " + o);
    }
    return (Map<String, Object>) o;
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Object o) {
    if (!(o instanceof List)) {
      throw new AssertionError("not a list: " + o);
    }
    return (List<Object>) o;
  }

  /** The value at a dotted path of mappings; fails naming the path when a step is missing. */
  static Object at(Map<String, Object> root, String path) {
    Object o = root;
    for (String key : path.split("\\.")) {
      Map<String, Object> m = map(o);
      if (!m.containsKey(key)) {
        throw new AssertionError("no " + path + " (missing '" + key + "') in " + root.keySet());
      }
      o = m.get(key);
    }
    return o;
  }

  /**
   * The environment variables the node reads: the {@code ${?SBC_...}} overrides of its
   * application.conf, its logback.xml's, and the names its launcher and preStop hook use.
   */
  static Set<String> nodeReads() throws IOException {
    Set<String> names = new TreeSet<>(matches(CONF_ENV,
        Files.readString(repo().resolve("node/src/main/resources/application.conf"))));
    names.addAll(matches(LOGBACK_ENV, Files.readString(repo().resolve("node/src/main/resources/logback.xml"))));
    names.addAll(scriptReads(deploy("start-node.sh")));
    names.addAll(scriptReads(deploy("prestop-drain.sh")));
    return names;
  }

  /** The SBC_* variables a shell script expands. */
  static Set<String> scriptReads(Path script) throws IOException {
    return new TreeSet<>(matches(SCRIPT_ENV, Files.readString(script)));
  }

  /** Whether the node reads {@code name}: directly, or as SBC_X_FILE of a variable it reads (start-node.sh). */
  static boolean nodeReads(Set<String> reads, String name) {
    return reads.contains(name) || (name.endsWith("_FILE") && reads.contains(name.substring(0, name.length() - 5)));
  }

  /**
   * The node's configuration under {@code env} as it would start: SBC_X_FILE read as SBC_X (a
   * stand-in value), {@code $(VAR)} references of Kubernetes replaced, application.conf over the
   * references, resolved against this environment only (not the test JVM's).
   */
  static Config nodeConfig(Map<String, String> env) {
    Map<String, Object> vars = new HashMap<>();
    env.forEach((k, v) -> {
      String value = K8S_REF.matcher(v).replaceAll(m -> Matcher.quoteReplacement(env.getOrDefault(m.group(1), "10.1.2.3")));
      vars.put(k.endsWith("_FILE") ? k.substring(0, k.length() - 5) : k, k.endsWith("_FILE") ? "from-file" : value);
    });
    return ConfigFactory.parseResources("application.conf")
        .withFallback(ConfigFactory.defaultReference())
        .withFallback(ConfigFactory.parseMap(vars))
        .resolve(ConfigResolveOptions.noSystem());
  }

  /**
   * The longest a leaving node may take from SIGTERM to exit: the coordinated-shutdown phases it
   * waits in (the drain, the shard hand-off, leaving and exiting the cluster) at their timeouts.
   */
  static Duration leaveBudget(Config node) {
    Duration sum = Duration.ZERO;
    for (String phase : List.of("before-service-unbind", "service-requests-done", "cluster-sharding-shutdown-region",
        "cluster-leave", "cluster-exiting", "cluster-exiting-done")) {
      String key = "pekko.coordinated-shutdown.phases." + phase + ".timeout";
      sum = sum.plus(node.hasPath(key) ? node.getDuration(key)
          : node.getDuration("pekko.coordinated-shutdown.default-phase-timeout"));
    }
    return sum;
  }

  /** Compose's {@code ${VAR:-default}} and {@code ${VAR:?message}} with nothing set: the default, or a stand-in. */
  static String composeInterpolate(String value) {
    return COMPOSE_VAR.matcher(value).replaceAll(m -> Matcher.quoteReplacement(
        "-".equals(m.group(2)) ? m.group(3) : "sip:203.0.113.5:5060"));
  }

  /** A string map of YAML scalars (compose environment, ConfigMap data), interpolated. */
  static Map<String, String> strings(Object o) {
    Map<String, String> out = new LinkedHashMap<>();
    map(o).forEach((k, v) -> out.put(k, composeInterpolate(String.valueOf(v))));
    return out;
  }

  private static List<String> matches(Pattern p, String text) {
    List<String> out = new ArrayList<>();
    Matcher m = p.matcher(text);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }
}
