package io.sbc.node.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The policy store on real ActorSystems forming a real cluster in this JVM (each with its own
 * artery port on 127.0.0.1 and its own LMDB directory): a change on one node is seen on the others
 * within seconds, values survive a restart of the whole cluster, unknown keywords are ignored.
 * The config is built from the libraries' reference.conf only, not the node's application.conf.
 */
class PolicyStoreTest {
  private static final long VISIBLE_WITHIN_MS = 5_000;

  private final List<ActorSystem<Void>> systems = new ArrayList<>();
  private Path dataDir;

  @BeforeEach
  void createDataDir() throws IOException {
    dataDir = Files.createTempDirectory("policy-store-test");
  }

  @AfterEach
  void stopAllAndDelete() throws IOException {
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

  private ActorSystem<Void> node(int port, int seedPort) {
    Config config = ConfigFactory.parseString("""
            pekko.actor.provider = cluster
            pekko.remote.artery.canonical { hostname = "127.0.0.1", port = %d }
            pekko.cluster.seed-nodes = ["pekko://policy@127.0.0.1:%d"]
            pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
            # as in the node's application.conf
            pekko.cluster.distributed-data.gossip-interval = 500ms
            pekko.coordinated-shutdown.exit-jvm = off
            pekko.loglevel = WARNING
            """.formatted(port, seedPort))
        .withFallback(PolicyStore.durableConfig(dataDir, port))
        .withFallback(ConfigFactory.defaultReference())
        .resolve();
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "policy", config);
    systems.add(system);
    return system;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Polls until actual equals expected; fails after limitMs. Returns the time it took. */
  private static <T> long await(String what, Supplier<T> actual, T expected, long limitMs) throws InterruptedException {
    long start = System.nanoTime();
    while (!expected.equals(actual.get())) {
      if (System.nanoTime() - start > limitMs * 1_000_000) {
        throw new AssertionError(what + ": not " + expected + " within " + limitMs + " ms, still " + actual.get());
      }
      Thread.sleep(10);
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  private static void awaitUp(ActorSystem<?> system, int members) throws InterruptedException {
    await(system.address() + " sees " + members + " members up", () -> StreamSupport
        .stream(Cluster.get(system).state().getMembers().spliterator(), false)
        .filter(m -> m.status() == MemberStatus.up())
        .count(), (long) members, 15_000);
  }

  private static void done(CompletionStage<Done> write) throws Exception {
    write.toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Writes raw entries into the LWWMap, as another (newer) version of the node could. */
  private static void rawPut(ActorSystem<?> system, Map<String, String> entries) throws Exception {
    SelfUniqueAddress self = DistributedData.get(system).selfUniqueAddress();
    AskPattern.<Replicator.Command, Replicator.UpdateResponse<LWWMap<String, String>>>ask(
            DistributedData.get(system).replicator(),
            replyTo -> new Replicator.Update<>(PolicyStore.KEY, LWWMap.create(), Replicator.writeLocal(), replyTo,
                m -> {
                  LWWMap<String, String> out = m;
                  for (Map.Entry<String, String> e : entries.entrySet()) {
                    out = out.put(self, e.getKey(), e.getValue());
                  }
                  return out;
                }),
            Duration.ofSeconds(5), system.scheduler())
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Waits (within 5 s of the write's start) until each store shows the expected value; prints the times. */
  private static <T> void spreads(String what, long startNanos, Map<String, PolicyStore> stores,
      Function<PolicyStore, T> read, T expected) throws InterruptedException {
    for (Map.Entry<String, PolicyStore> node : stores.entrySet()) {
      long left = VISIBLE_WITHIN_MS - (System.nanoTime() - startNanos) / 1_000_000;
      await(what + " on " + node.getKey(), () -> read.apply(node.getValue()), expected, Math.max(left, 0));
      System.out.printf("PolicyStoreTest: %s visible on %s after %d ms%n",
          what, node.getKey(), (System.nanoTime() - startNanos) / 1_000_000);
    }
  }

  /** n1, n2, n3 in order, leaving out the nulls (the writer). */
  private static Map<String, PolicyStore> nodes(PolicyStore... stores) {
    Map<String, PolicyStore> out = new java.util.LinkedHashMap<>();
    for (int i = 0; i < stores.length; i++) {
      if (stores[i] != null) {
        out.put("n" + (i + 1), stores[i]);
      }
    }
    return out;
  }

  @Test
  void aChangeOnOneNodeIsSeenOnTheOthers() throws Exception {
    int p1 = freePort();
    int p2 = freePort();
    int p3 = freePort();
    ActorSystem<Void> n1 = node(p1, p1);
    ActorSystem<Void> n2 = node(p2, p1);
    ActorSystem<Void> n3 = node(p3, p1);
    for (ActorSystem<Void> n : List.of(n1, n2, n3)) {
      awaitUp(n, 3);
    }
    PolicyStore s1 = PolicyStore.start(n1);
    PolicyStore s2 = PolicyStore.start(n2);
    PolicyStore s3 = PolicyStore.start(n3);
    assertEquals(Optional.empty(), s2.global());

    long t = System.nanoTime();
    done(s1.setGlobal(MidcallPolicy.BLOCK));
    System.out.printf("PolicyStoreTest: global=block acknowledged by a majority after %d ms%n",
        (System.nanoTime() - t) / 1_000_000);
    // Subscribers, the writer's own included, are notified every notify-subscribers-interval.
    spreads("global=block", t, nodes(s1, s2, s3), PolicyStore::global, Optional.of(MidcallPolicy.BLOCK));

    t = System.nanoTime();
    done(s2.setRoute("video-partners", MidcallPolicy.PASSTHRU));
    spreads("route video-partners=passthru", t, nodes(s1, null, s3), PolicyStore::routeOverrides,
        Map.of("video-partners", MidcallPolicy.PASSTHRU));
    assertEquals(Optional.of(MidcallPolicy.PASSTHRU), s3.forRoute("video-partners"));
    assertEquals(Optional.empty(), s3.forRoute("other"));
    for (PolicyStore s : List.of(s1, s2, s3)) {
      assertEquals(Optional.of(MidcallPolicy.BLOCK), s.global(), "a route override leaves the global value alone");
    }

    t = System.nanoTime();
    done(s3.clearRoute("video-partners"));
    spreads("route video-partners cleared", t, nodes(s1, s2, null), s -> s.forRoute("video-partners"), Optional.empty());
    assertEquals(Optional.of(MidcallPolicy.BLOCK), s1.global());

    t = System.nanoTime();
    done(s2.clearGlobal());
    spreads("global cleared", t, nodes(s1, null, s3), PolicyStore::global, Optional.<MidcallPolicy>empty());
  }

  @Test
  void valuesSurviveARestartOfTheWholeCluster() throws Exception {
    int p1 = freePort();
    int p2 = freePort();
    ActorSystem<Void> n1 = node(p1, p1);
    ActorSystem<Void> n2 = node(p2, p1);
    awaitUp(n1, 2);
    awaitUp(n2, 2);
    // Every node runs a store (as Main does): a node without one has no replicator to answer writes.
    PolicyStore.start(n1);
    PolicyStore s2 = PolicyStore.start(n2);
    // Written on node 2: the majority write stores it in node 1's LMDB as well.
    done(s2.setGlobal(MidcallPolicy.NONE));
    done(s2.setRoute("fax", MidcallPolicy.PASSTHRU_MEDIA_CHANGE));
    done(s2.setRoute("gone", MidcallPolicy.BLOCK));
    done(s2.clearRoute("gone"));
    for (ActorSystem<Void> n : List.of(n2, n1)) {
      n.terminate();
      n.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
    assertTrue(Files.isDirectory(dataDir.resolve("policy-ddata-" + p1)), "LMDB in policy-ddata-<port>, no suffix");

    ActorSystem<Void> again = node(p1, p1); // a new cluster of one, on node 1's LMDB directory
    awaitUp(again, 1);
    long t = System.nanoTime();
    PolicyStore restarted = PolicyStore.start(again);
    await("global after restart", restarted::global, Optional.of(MidcallPolicy.NONE), VISIBLE_WITHIN_MS);
    System.out.printf("PolicyStoreTest: durable values back %d ms after start%n", (System.nanoTime() - t) / 1_000_000);
    assertEquals(Map.of("fax", MidcallPolicy.PASSTHRU_MEDIA_CHANGE), restarted.routeOverrides());
  }

  @Test
  void unknownKeywordsAreIgnoredAndTheValidEntriesStay() throws Exception {
    int port = freePort();
    ActorSystem<Void> n = node(port, port);
    awaitUp(n, 1);
    PolicyStore store = PolicyStore.start(n);
    done(store.setGlobal(MidcallPolicy.BLOCK));
    done(store.setRoute("a", MidcallPolicy.PASSTHRU));

    // What a newer version might write, together with a valid marker that tells us it arrived.
    rawPut(n, Map.of("b", "transcode-everything", "marker-1", "preserve-codec"));
    await("marker 1", () -> store.forRoute("marker-1"), Optional.of(MidcallPolicy.PRESERVE_CODEC), VISIBLE_WITHIN_MS);
    assertEquals(Map.of("a", MidcallPolicy.PASSTHRU, "marker-1", MidcallPolicy.PRESERVE_CODEC), store.routeOverrides());
    assertEquals(Optional.empty(), store.forRoute("b"));
    assertEquals(Optional.of(MidcallPolicy.BLOCK), store.global());

    // An unknown global value: no runtime global (the configured one applies), routes unaffected.
    rawPut(n, Map.of(PolicyStore.GLOBAL, "future-policy", "marker-2", "none"));
    await("marker 2", () -> store.forRoute("marker-2"), Optional.of(MidcallPolicy.NONE), VISIBLE_WITHIN_MS);
    assertEquals(Optional.empty(), store.global());
    assertEquals(Optional.of(MidcallPolicy.PASSTHRU), store.forRoute("a"));

    // The read side never throws: null route, immutable snapshot; bad route names are rejected.
    assertEquals(Optional.empty(), store.forRoute(null));
    assertThrows(UnsupportedOperationException.class, () -> store.routeOverrides().put("x", MidcallPolicy.BLOCK));
    assertThrows(IllegalArgumentException.class, () -> store.setRoute(PolicyStore.GLOBAL, MidcallPolicy.BLOCK));
  }
}
