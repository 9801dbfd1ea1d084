package io.sbc.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The policy store on real ActorSystems that form a real cluster (two nodes in this JVM, each
 * with its own artery port and LMDB directory): changes spread to the other node, survive a
 * restart of the whole cluster, and unknown values are ignored.
 */
class PolicyStoreTest {
  private final List<ActorSystem<Void>> systems = new ArrayList<>();
  private Path dataDir;

  @BeforeEach
  void dir() throws IOException {
    dataDir = Files.createTempDirectory("policy-store-test");
  }

  @AfterEach
  void stopAll() throws Exception {
    for (ActorSystem<Void> s : systems) {
      s.terminate();
    }
    for (ActorSystem<Void> s : systems) {
      s.getWhenTerminated().toCompletableFuture().get(20, java.util.concurrent.TimeUnit.SECONDS);
    }
    systems.clear();
    try (Stream<Path> files = Files.walk(dataDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private ActorSystem<Void> node(int port, int seedPort) {
    Config config = ConfigFactory.parseString(
            "pekko.actor.provider = cluster\n"
                + "pekko.remote.artery.canonical { hostname = 127.0.0.1, port = " + port + " }\n"
                + "pekko.cluster.seed-nodes = [\"pekko://policy@127.0.0.1:" + seedPort + "\"]\n"
                + "pekko.cluster.jmx.multi-mbeans-in-same-jvm = on\n"
                + "pekko.cluster.distributed-data.gossip-interval = 500ms\n"
                + "pekko.coordinated-shutdown.exit-jvm = off\n"
                + "pekko.loglevel = WARNING")
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

  private static <T> void await(String what, Supplier<T> actual, T expected) throws InterruptedException {
    long end = System.currentTimeMillis() + 10_000;
    while (!expected.equals(actual.get())) {
      if (System.currentTimeMillis() > end) {
        throw new AssertionError(what + ": expected " + expected + " but was " + actual.get());
      }
      Thread.sleep(20);
    }
  }

  private static void awaitUp(ActorSystem<?> system, int members) throws InterruptedException {
    await("members up", () -> (int) Cluster.get(system).state().getMembers().spliterator().estimateSize() >= members
        && Cluster.get(system).selfMember().status() == org.apache.pekko.cluster.MemberStatus.up(), true);
  }

  @Test
  void aChangeOnOneNodeIsSeenOnTheOther() throws Exception {
    int p1 = freePort();
    int p2 = freePort();
    ActorSystem<Void> n1 = node(p1, p1);
    ActorSystem<Void> n2 = node(p2, p1);
    awaitUp(n1, 2);
    awaitUp(n2, 2);
    PolicyStore s1 = PolicyStore.start(n1);
    PolicyStore s2 = PolicyStore.start(n2);
    assertEquals(Optional.empty(), s2.global());

    long t0 = System.currentTimeMillis();
    s1.setGlobal(MidcallPolicy.BLOCK).toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
    await("global on node 2", s2::global, Optional.of(MidcallPolicy.BLOCK));
    long seenAfter = System.currentTimeMillis() - t0;
    System.out.println("policy change visible on the other node after " + seenAfter + " ms");

    s2.setRoute("video-partners", MidcallPolicy.PASSTHRU).toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
    await("route on node 1", s1::routeOverrides, Map.of("video-partners", MidcallPolicy.PASSTHRU));
    assertEquals(Optional.of(MidcallPolicy.BLOCK), s1.global(), "a route override leaves the global value alone");
    s1.clearRoute("video-partners").toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
    await("route cleared on node 2", () -> s2.forRoute("video-partners"), Optional.empty());
    s2.clearGlobal().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
    await("global cleared on node 1", s1::global, Optional.empty());
  }

  @Test
  void valuesSurviveARestartOfTheWholeCluster() throws Exception {
    int port = freePort();
    ActorSystem<Void> first = node(port, port);
    awaitUp(first, 1);
    PolicyStore store = PolicyStore.start(first);
    store.setGlobal(MidcallPolicy.NONE).toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
    store.setRoute("fax", MidcallPolicy.PASSTHRU_MEDIA_CHANGE).toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
    first.terminate();
    first.getWhenTerminated().toCompletableFuture().get(20, java.util.concurrent.TimeUnit.SECONDS);

    ActorSystem<Void> again = node(port, port); // same port, same LMDB directory
    awaitUp(again, 1);
    PolicyStore restarted = PolicyStore.start(again);
    await("global after restart", restarted::global, Optional.of(MidcallPolicy.NONE));
    assertEquals(Optional.of(MidcallPolicy.PASSTHRU_MEDIA_CHANGE), restarted.forRoute("fax"));
  }

  @Test
  void anUnknownValueIsIgnoredAndTheOthersStay() throws Exception {
    int port = freePort();
    ActorSystem<Void> n = node(port, port);
    awaitUp(n, 1);
    PolicyStore store = PolicyStore.start(n);
    store.setRoute("a", MidcallPolicy.BLOCK).toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
    // What a newer version might write: a policy this one does not know.
    var self = DistributedData.get(n).selfUniqueAddress();
    org.apache.pekko.actor.typed.javadsl.AskPattern.<Replicator.Command, Replicator.UpdateResponse<LWWMap<String, String>>>ask(
            DistributedData.get(n).replicator(),
            replyTo -> new Replicator.Update<>(PolicyStore.KEY, LWWMap.create(), Replicator.writeLocal(), replyTo,
                m -> m.put(self, "b", "transcode-everything")),
            Duration.ofSeconds(5), n.scheduler())
        .toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
    Thread.sleep(1000); // let the subscriber see it
    assertEquals(Map.of("a", MidcallPolicy.BLOCK), store.routeOverrides());
    assertTrue(store.global().isEmpty());
  }
}
