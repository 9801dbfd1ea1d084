package io.sbc.node.policy;

import static io.sbc.node.replicated.TestCluster.await;
import static io.sbc.node.replicated.TestCluster.awaitUp;
import static io.sbc.node.replicated.TestCluster.done;
import static io.sbc.node.replicated.TestCluster.freePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sbc.node.replicated.TestCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The policy store on real ActorSystems forming a real cluster in this JVM ({@link TestCluster}):
 * a change on one node is seen on the others within seconds, values survive a restart of the whole
 * cluster, unknown keywords are ignored.
 */
class PolicyStoreTest {
  private static final long VISIBLE_WITHIN_MS = 5_000;

  private TestCluster cluster;

  @BeforeEach
  void createCluster() throws IOException {
    cluster = new TestCluster("policy");
  }

  @AfterEach
  void stopAllAndDelete() throws IOException {
    cluster.close();
  }

  private ActorSystem<Void> node(int port, int seedPort) {
    return cluster.node(port, seedPort);
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
      TestCluster.stop(n);
    }
    assertTrue(Files.isDirectory(cluster.dataDir().resolve("policy-ddata-" + p1)), "LMDB in policy-ddata-<port>, no suffix");

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
