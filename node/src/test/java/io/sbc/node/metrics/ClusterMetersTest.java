package io.sbc.node.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A real cluster of one with sharding: member, leader and shard-region gauges. */
class ClusterMetersTest {
  private static final EntityTypeKey<String> TYPE = EntityTypeKey.create(String.class, "Probe");
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private ActorSystem<Void> system;

  @AfterEach
  void stop() throws Exception {
    if (system != null) {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void membersLeaderShardsAndEntitiesOfThisNode() throws Exception {
    system = ActorSystem.create(Behaviors.empty(), "cluster-meters", ConfigFactory.parseString("""
            pekko.actor.provider = cluster
            pekko.remote.artery.canonical { hostname = "127.0.0.1", port = 0 }
            pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
            pekko.coordinated-shutdown.exit-jvm = off
            pekko.loglevel = WARNING
            """).withFallback(ConfigFactory.defaultReference()).resolve());
    ClusterMeters.start(system, TYPE, registry, Duration.ofMillis(200));
    assertEquals(0, gauge("sbc_shard_region_entities", "type", "Probe"));
    Cluster cluster = Cluster.get(system);
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    await("one member up", () -> gauge("sbc_cluster_members", "status", "up"), 1);
    assertEquals(0, gauge("sbc_cluster_members", "status", "joining"));
    assertEquals(0, gauge("sbc_cluster_unreachable_members"));
    await("leader", () -> gauge("sbc_cluster_leader"), 1);

    ActorRef<ShardingEnvelope<String>> region = ClusterSharding.get(system)
        .init(Entity.of(TYPE, ctx -> Behaviors.receive(String.class).onAnyMessage(m -> Behaviors.same()).build()));
    for (String id : new String[] {"e1", "e2", "e3"}) {
      region.tell(new ShardingEnvelope<>(id, "hello"));
    }
    await("entities hosted", () -> gauge("sbc_shard_region_entities", "type", "Probe"), 3);
    double shards = gauge("sbc_shard_region_shards", "type", "Probe");
    assertTrue(shards >= 1 && shards <= 3, "shards " + shards);
  }

  private double gauge(String name, String... tags) {
    return registry.get(name).tags(tags).gauge().value();
  }

  private static void await(String what, Supplier<Double> actual, double expected) throws InterruptedException {
    long end = System.currentTimeMillis() + 15_000;
    while (actual.get() != expected) {
      if (System.currentTimeMillis() > end) {
        throw new AssertionError(what + ": expected " + expected + ", still " + actual.get());
      }
      Thread.sleep(50);
    }
  }
}
