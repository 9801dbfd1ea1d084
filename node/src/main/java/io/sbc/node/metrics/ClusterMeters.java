package io.sbc.node.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.ClusterEvent.CurrentClusterState;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.ClusterShardingQuery;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.cluster.typed.Cluster;

/**
 * Pekko Cluster and Sharding as this node sees them: members by status, unreachable members and
 * leadership are read from the cluster's state snapshot at each scrape (no actor is asked); the
 * shards and entities of one entity type hosted here are asked from the shard region every
 * {@code interval}, never on the scrape path, and kept until the next answer.
 */
public final class ClusterMeters {
  /** Statuses a member of the current state can have, with their label. */
  private static final List<Map.Entry<String, MemberStatus>> STATUSES = List.of(
      Map.entry("joining", MemberStatus.joining()),
      Map.entry("weakly_up", MemberStatus.weaklyUp()),
      Map.entry("up", MemberStatus.up()),
      Map.entry("preparing_for_shutdown", MemberStatus.shuttingDown()),
      Map.entry("ready_for_shutdown", MemberStatus.shutDown()),
      Map.entry("leaving", MemberStatus.leaving()),
      Map.entry("exiting", MemberStatus.exiting()),
      Map.entry("down", MemberStatus.down()));

  private final AtomicLong shards = new AtomicLong();
  private final AtomicLong entities = new AtomicLong();

  private ClusterMeters() {}

  /** Registers the gauges and starts polling the shard region of {@code type}; stops with the system. */
  public static void start(ActorSystem<?> system, EntityTypeKey<?> type, MeterRegistry registry, Duration interval) {
    Cluster cluster = Cluster.get(system);
    for (Map.Entry<String, MemberStatus> status : STATUSES) {
      Gauge.builder("sbc_cluster_members", cluster, c -> count(c.state(), status.getValue()))
          .description("cluster members this node sees, by status")
          .tag("status", status.getKey())
          .strongReference(true)
          .register(registry);
    }
    Gauge.builder("sbc_cluster_unreachable_members", cluster, c -> c.state().getUnreachable().size())
        .description("members this node's failure detector marks unreachable")
        .strongReference(true)
        .register(registry);
    Gauge.builder("sbc_cluster_leader", cluster,
            c -> c.selfMember().address().equals(c.state().getLeader()) ? 1 : 0)
        .description("1 while this node is the cluster leader")
        .strongReference(true)
        .register(registry);

    ClusterMeters meters = new ClusterMeters();
    String typeName = type.name();
    Gauge.builder("sbc_shard_region_shards", meters.shards, AtomicLong::get)
        .description("shards of the entity type hosted by this node (polled)")
        .tag("type", typeName)
        .strongReference(true)
        .register(registry);
    Gauge.builder("sbc_shard_region_entities", meters.entities, AtomicLong::get)
        .description("entities of the entity type running on this node (polled)")
        .tag("type", typeName)
        .strongReference(true)
        .register(registry);
    Cancellable polling = system.scheduler().scheduleAtFixedRate(Duration.ofSeconds(1), interval,
        () -> meters.poll(system, type, interval), system.executionContext());
    system.getWhenTerminated().thenRun(polling::cancel);
  }

  private static double count(CurrentClusterState state, MemberStatus status) {
    int n = 0;
    for (Member m : state.getMembers()) {
      if (m.status().equals(status)) {
        n++;
      }
    }
    return n;
  }

  /** Asks the local shard region for its state; an answer updates the gauges, a timeout keeps them. */
  private void poll(ActorSystem<?> system, EntityTypeKey<?> type, Duration timeout) {
    AskPattern.<ClusterShardingQuery, ShardRegion.CurrentShardRegionState>ask(
            ClusterSharding.get(system).shardState(), replyTo -> new GetShardRegionState(type, replyTo),
            timeout, system.scheduler())
        .thenAccept(state -> {
          long n = 0;
          for (ShardRegion.ShardState shard : state.getShards()) {
            n += shard.getEntityIds().size();
          }
          shards.set(state.getShards().size());
          entities.set(n);
        });
  }
}
