package io.sbc.loadtests;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An SBC node started from the fat jar as its own JVM, stopped by PID. */
final class NodeProcess implements AutoCloseable {
  private static final Pattern ENTITIES = Pattern.compile("\"numEntities\"\\s*:\\s*(\\d+)");
  private static final Pattern UP = Pattern.compile("\"status\"\\s*:\\s*\"Up\"");
  private static final Pattern SHARD_IDS = Pattern.compile("\"shardId\"\\s*:");
  final int sipPort;
  final int httpPort;
  final int clusterPort;
  final Path dir;
  final Path log;
  private final Process process;
  private final ReapOnExit reaper;
  /** http, or https for a node whose management server runs TLS. */
  final String scheme;
  final HttpClient http;

  private NodeProcess(int sipPort, int httpPort, int clusterPort, Path dir, Path log, Process process, String scheme,
      HttpClient http) {
    this.scheme = scheme;
    this.http = http;
    this.sipPort = sipPort;
    this.httpPort = httpPort;
    this.clusterPort = clusterPort;
    this.dir = dir;
    this.log = log;
    this.process = process;
    this.reaper = ReapOnExit.kill("node", process.toHandle());
  }

  /**
   * Starts a node with the given next hop and extra HOCON (may be empty) and waits until its
   * {@code /ready} answers 200.
   */
  static NodeProcess start(String name, String nextHop, String extraConfig) throws Exception {
    return start(name, nextHop, extraConfig, Ports.free());
  }

  /** As {@link #start(String, String, String)}, on a given cluster port (to name it as a seed). */
  static NodeProcess start(String name, String nextHop, String extraConfig, int cluster) throws Exception {
    return start(name, nextHop, extraConfig, cluster, Ports.free(), Ports.free());
  }

  /** As {@link #start(String, String, String)}, on given cluster, SIP and HTTP ports (a restart on its address). */
  static NodeProcess start(String name, String nextHop, String extraConfig, int cluster, int sip, int http)
      throws Exception {
    return start(name, nextHop, extraConfig, cluster, sip, http, Map.of(), null);
  }

  /** As {@link #start(String, String, String)}, with extra environment variables (e.g. a route's password). */
  static NodeProcess start(String name, String nextHop, String extraConfig, Map<String, String> env) throws Exception {
    return start(name, nextHop, extraConfig, Ports.free(), Ports.free(), Ports.free(), env, null);
  }

  /**
   * A node whose management server runs HTTPS with the PEM files given in its environment
   * ({@code SBC_HTTP_TLS_CERT}, {@code SBC_HTTP_TLS_KEY}); {@code client} trusts its certificate.
   */
  static NodeProcess startHttps(String name, String nextHop, Map<String, String> tlsEnv, javax.net.ssl.SSLContext client)
      throws Exception {
    return start(name, nextHop, "", Ports.free(), Ports.free(), Ports.free(), tlsEnv, client);
  }

  /** A node with extra environment variables (e.g. {@code SBC_SIP_TLS_*}) and extra HOCON. */
  static NodeProcess startWithEnv(String name, String nextHop, String extraConfig, Map<String, String> env)
      throws Exception {
    return start(name, nextHop, extraConfig, Ports.free(), Ports.free(), Ports.free(), env, null);
  }

  private static NodeProcess start(String name, String nextHop, String extraConfig, int cluster, int sip, int http,
      Map<String, String> extraEnv, javax.net.ssl.SSLContext tls) throws Exception {
    Path jar = Path.of(System.getProperty("sbc.node.jar", "../node/target/sbc-node-0.1.0-SNAPSHOT-all.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("node jar " + jar.toAbsolutePath() + " missing: build with mvn package first");
    }
    Path dir = Files.createDirectories(Work.dir().resolve(name + "-" + System.nanoTime()));
    Path conf = dir.resolve("node.conf");
    Files.writeString(conf, "include classpath(\"application.conf\")\n" + extraConfig + "\n");
    List<String> cmd = new ArrayList<>(List.of(
        javaBin(), "-Xms256m", "-Xmx512m", "-XX:+UseSerialGC",
        "--add-opens", "java.base/java.nio=ALL-UNNAMED", "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
        "-Dconfig.file=" + conf, "-jar", jar.toAbsolutePath().toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> env = pb.environment();
    env.put("SBC_SIP_HOST", "127.0.0.1");
    env.put("SBC_SIP_PORT", Integer.toString(sip));
    env.put("SBC_NEXT_HOP", nextHop);
    env.put("SBC_HTTP_PORT", Integer.toString(http));
    env.put("SBC_CLUSTER_PORT", Integer.toString(cluster));
    env.put("SBC_DATA_DIR", dir.resolve("data").toString());
    env.putAll(extraEnv);
    Path log = dir.resolve("node.log");
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    HttpClient.Builder client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
    if (tls != null) {
      client.sslContext(tls);
    }
    NodeProcess node = new NodeProcess(sip, http, cluster, dir, log, pb.start(), tls == null ? "http" : "https",
        client.build());
    try {
      node.awaitReady(Duration.ofSeconds(90));
    } catch (Exception e) {
      node.close();
      throw e;
    }
    return node;
  }

  /**
   * A node started by {@code command} (a JVM, or a launcher such as deploy/start-node.sh that execs
   * one) with {@code env} on top of the SBC_* settings of its ports and data dir, not waited for:
   * nodes that form their cluster together only get ready once all of them run ({@link #awaitReady}).
   */
  static NodeProcess launch(String name, List<String> command, Map<String, String> env, int cluster, int sip, int http)
      throws Exception {
    Path dir = Files.createDirectories(Work.dir().resolve(name + "-" + System.nanoTime()));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().keySet().removeIf(k -> k.startsWith("SBC_"));
    pb.environment().putAll(Map.of("SBC_SIP_HOST", "127.0.0.1", "SBC_SIP_PORT", Integer.toString(sip),
        "SBC_HTTP_PORT", Integer.toString(http), "SBC_CLUSTER_PORT", Integer.toString(cluster),
        "SBC_DATA_DIR", dir.resolve("data").toString()));
    pb.environment().putAll(env);
    Path log = dir.resolve("node.log");
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    return new NodeProcess(sip, http, cluster, dir, log, pb.start(), "http",
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build());
  }

  /** The fat jar the integration tests run (built by the reactor before them). */
  static Path jar() {
    Path jar = Path.of(System.getProperty("sbc.node.jar", "../node/target/sbc-node-0.1.0-SNAPSHOT-all.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("node jar " + jar.toAbsolutePath() + " missing: build with mvn package first");
    }
    return jar.toAbsolutePath();
  }

  void awaitReady(Duration limit) throws Exception {
    Instant deadline = Instant.now().plus(limit);
    while (Instant.now().isBefore(deadline)) {
      if (!process.isAlive()) {
        throw new IllegalStateException("node exited with " + process.exitValue() + ":\n" + tail());
      }
      try {
        HttpResponse<String> r = http.send(
            HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + httpPort + "/ready")).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException notYet) {
        // not listening yet
      }
      Thread.sleep(250);
    }
    throw new IllegalStateException("node not ready within " + limit + ":\n" + tail());
  }

  /** Waits (at most 60 s) until this node sees {@code count} members Up; fails with the member list otherwise. */
  void awaitUpMembers(int count) throws Exception {
    long end = System.currentTimeMillis() + 60_000;
    while (upMembers() < count) {
      if (System.currentTimeMillis() > end) {
        throw new AssertionError("cluster did not form: " + httpGet("/cluster/members"));
      }
      Thread.sleep(250);
    }
  }

  String httpGet(String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create(scheme + "://127.0.0.1:" + httpPort + path)).build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  /** Call entities this node hosts, summed over its shards (Pekko Management's shard listing). */
  long callEntities() throws Exception {
    Matcher m = ENTITIES.matcher(httpGet("/cluster/shards/Call"));
    long sum = 0;
    while (m.find()) {
      sum += Long.parseLong(m.group(1));
    }
    return sum;
  }

  /**
   * HOCON that makes sharding move every shard a joining node should get at its first rebalance,
   * instead of one per 10 s: a test then settles the cluster ({@link #awaitBalancedShards}) before
   * calls that a hand-off would disturb (it loses a call's in-flight transactions, a known gap).
   */
  static final String REBALANCE_AT_ONCE = "pekko.cluster.sharding.least-shard-allocation-strategy { "
      + "rebalance-absolute-limit = 100, rebalance-relative-limit = 1.0 }\n";

  /** Waits until the shards are spread evenly over {@code nodes}: no rebalance is left to run; returns the counts. */
  static List<Long> awaitBalancedShards(List<NodeProcess> nodes) throws Exception {
    long end = System.currentTimeMillis() + 60_000;
    List<Long> counts = List.of();
    while (System.currentTimeMillis() < end) {
      counts = new ArrayList<>();
      for (NodeProcess n : nodes) {
        counts.add(n.shards());
      }
      long max = counts.stream().mapToLong(Long::longValue).max().orElse(0);
      long min = counts.stream().mapToLong(Long::longValue).min().orElse(0);
      if (min > 0 && max - min <= 1) {
        return counts;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("shards not balanced over the nodes: " + counts);
  }

  /** Cluster members this node sees Up. */
  long upMembers() throws Exception {
    return matches(UP, "/cluster/members");
  }

  /** Shards of calls this node hosts (Pekko Management's shard listing). */
  long shards() throws Exception {
    return matches(SHARD_IDS, "/cluster/shards/Call");
  }

  private long matches(Pattern pattern, String path) throws Exception {
    Matcher m = pattern.matcher(httpGet(path));
    long n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }

  /** A counter of this node's {@code /metrics}; fails when the node does not export it. */
  long counter(String name) throws Exception {
    return counter(httpGet("/metrics"), name);
  }

  /** A counter in a Prometheus text page; fails when it is missing. */
  static long counter(String metrics, String name) {
    Matcher m = Pattern.compile("(?m)^" + name + " ([0-9.]+)$").matcher(metrics);
    if (!m.find()) {
      throw new AssertionError("metric " + name + " missing");
    }
    return (long) Double.parseDouble(m.group(1));
  }

  private static final Pattern SAMPLE = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{([^}]*)\\})? (\\S+)$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  /**
   * The sum of the series of {@code name} in a Prometheus text page whose labels include
   * {@code labels} (name, value, ...); NaN when there is no such series.
   */
  static double sample(String metrics, String name, String... labels) {
    Matcher m = SAMPLE.matcher(metrics);
    double sum = 0;
    boolean found = false;
    while (m.find()) {
      if (!m.group(1).equals(name)) {
        continue;
      }
      Map<String, String> have = new java.util.HashMap<>();
      if (m.group(2) != null) {
        Matcher l = LABEL.matcher(m.group(2));
        while (l.find()) {
          have.put(l.group(1), l.group(2));
        }
      }
      boolean matches = true;
      for (int i = 0; i + 1 < labels.length; i += 2) {
        matches &= labels[i + 1].equals(have.get(labels[i]));
      }
      if (matches) {
        found = true;
        String v = m.group(3);
        sum += v.endsWith("Inf") ? (v.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY)
            : Double.parseDouble(v);
      }
    }
    return found ? sum : Double.NaN;
  }

  /** As {@link #sample}, 0 for a series not there (yet): counters with labels appear on first use. */
  static double sampleOrZero(String metrics, String name, String... labels) {
    double v = sample(metrics, name, labels);
    return Double.isNaN(v) ? 0 : v;
  }

  /** SIGKILL: the node dies at once, as in a crash (no leaving, no hand-off). */
  void kill9() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** SIGSTOP / SIGCONT: the JVM freezes (no heartbeats, no timers) and later resumes. */
  void signal(String sig) throws Exception {
    Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("kill -" + sig + " " + process.pid() + " failed");
    }
  }

  /** Waits for the process to exit by itself; its exit code, or -1 if it is still running. */
  int awaitExit(long seconds) throws InterruptedException {
    return process.waitFor(seconds, TimeUnit.SECONDS) ? process.exitValue() : -1;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() throws InterruptedException {
    ProcessHandle handle = process.toHandle();
    handle.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
    }
    reaper.close();
  }

  static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }
}
