package io.sbc.node.replicated;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Real ActorSystems forming a real cluster in this JVM, for the cluster-wide stores' tests: each
 * node has its own artery port on 127.0.0.1 and its own LMDB directory under one temporary data
 * dir (kept across a restart of a node on the same port). The config is built from the libraries'
 * reference.conf plus {@link ReplicatedValue#durableConfig}, not the node's application.conf.
 */
public final class TestCluster implements AutoCloseable {
  private final String name;
  private final List<ActorSystem<Void>> systems = new ArrayList<>();
  private final Path dataDir;

  public TestCluster(String name) throws IOException {
    this.name = name;
    this.dataDir = Files.createTempDirectory(name + "-test");
  }

  public Path dataDir() {
    return dataDir;
  }

  /** A node on {@code port} that joins the seed on {@code seedPort} (itself when equal). */
  public ActorSystem<Void> node(int port, int seedPort) {
    Config config = ConfigFactory.parseString("""
            pekko.actor.provider = cluster
            pekko.remote.artery.canonical { hostname = "127.0.0.1", port = %d }
            pekko.cluster.seed-nodes = ["pekko://%s@127.0.0.1:%d"]
            pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
            # as in the node's application.conf
            pekko.cluster.distributed-data.gossip-interval = 500ms
            pekko.coordinated-shutdown.exit-jvm = off
            pekko.loglevel = WARNING
            """.formatted(port, name, seedPort))
        .withFallback(ReplicatedValue.durableConfig(dataDir, port))
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), name, config);
    systems.add(system);
    return system;
  }

  /** Stops {@code system} and waits for it. */
  public static void stop(ActorSystem<Void> system) throws Exception {
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  /** Stops every node and deletes the data dir. */
  @Override
  public void close() throws IOException {
    try {
      systems.forEach(ActorSystem::terminate);
      for (ActorSystem<Void> s : systems) {
        try {
          s.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
        } catch (Exception e) {
          System.err.println("ActorSystem " + s.address() + " did not terminate: " + e);
        }
      }
      systems.clear();
    } finally {
      try (Stream<Path> files = Files.walk(dataDir)) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Polls until actual equals expected; fails after limitMs. Returns the time it took. */
  public static <T> long await(String what, Supplier<T> actual, T expected, long limitMs) throws InterruptedException {
    long start = System.nanoTime();
    while (!expected.equals(actual.get())) {
      if (System.nanoTime() - start > limitMs * 1_000_000) {
        throw new AssertionError(what + ": not " + expected + " within " + limitMs + " ms, still " + actual.get());
      }
      Thread.sleep(10);
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  /** Waits until {@code system} sees {@code members} members Up. */
  public static void awaitUp(ActorSystem<?> system, int members) throws InterruptedException {
    await(system.address() + " sees " + members + " members up", () -> StreamSupport
        .stream(Cluster.get(system).state().getMembers().spliterator(), false)
        .filter(m -> m.status() == MemberStatus.up())
        .count(), (long) members, 15_000);
  }

  /**
   * The first write of a freshly formed cluster, repeated (at most three times) while it does not
   * reach a majority: on a loaded machine the other node's replicator and durable store may still
   * be starting. What the API tells an operator, too: "repeat it to be sure".
   */
  public static <T> T doneRepeating(Supplier<CompletionStage<T>> write) throws Exception {
    for (int attempt = 1; ; attempt++) {
      try {
        return done(write.get());
      } catch (java.util.concurrent.ExecutionException e) {
        if (attempt == 3 || !(e.getCause() instanceof IllegalStateException)
            || !String.valueOf(e.getCause().getMessage()).contains("did not reach a majority")) {
          throw e;
        }
      }
    }
  }

  /** The stage's value (at most 10 s). */
  public static <T> T done(CompletionStage<T> write) throws Exception {
    return write.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
