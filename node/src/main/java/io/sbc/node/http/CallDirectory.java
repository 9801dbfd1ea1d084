package io.sbc.node.http;

import io.sbc.gateway.CborSerializable;
import io.sbc.node.call.CallEntity;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.sharding.ShardRegion;
import org.apache.pekko.cluster.sharding.typed.GetShardRegionState;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

/**
 * Which calls live where: this node's call entities come from its shard region's state; for the
 * whole cluster, every node runs one of these actors (found through the receptionist) and answers
 * with its own. Ids only: the calls themselves are asked through sharding.
 */
final class CallDirectory {
  static final ServiceKey<ListCalls> KEY = ServiceKey.create(ListCalls.class, "sbc-call-directory");
  private static final Duration ASK = Duration.ofSeconds(3);

  /** Asks a node for the ids of the call entities it hosts. */
  record ListCalls(ActorRef<CallIds> replyTo) implements CborSerializable {}

  /** The ids of call entities on one node. */
  record CallIds(List<String> ids) implements CborSerializable {}

  private CallDirectory() {}

  /** Starts this node's directory actor and registers it for the cluster-wide listing. */
  static void start(ActorSystem<?> system) {
    ActorRef<ListCalls> self = system.systemActorOf(behavior(), "sbc-call-directory", Props.empty());
    system.receptionist().tell(Receptionist.register(KEY, self));
  }

  /** The ids of call entities on this node, sorted. */
  static CompletionStage<List<String>> local(ActorSystem<?> system) {
    CompletionStage<ShardRegion.CurrentShardRegionState> state = AskPattern.ask(
        ClusterSharding.get(system).shardState(),
        replyTo -> new GetShardRegionState(CallEntity.ENTITY_KEY, replyTo), ASK, system.scheduler());
    return state.thenApply(s -> {
      Set<String> ids = new TreeSet<>();
      s.getShards().forEach(shard -> ids.addAll(shard.getEntityIds()));
      return List.copyOf(ids);
    });
  }

  /** The ids of call entities on every node that answers within the ask timeout, sorted. */
  static CompletionStage<List<String>> cluster(ActorSystem<?> system) {
    CompletionStage<Receptionist.Listing> listing =
        AskPattern.ask(system.receptionist(), replyTo -> Receptionist.find(KEY, replyTo), ASK, system.scheduler());
    return listing.thenCompose(l -> {
      CompletionStage<Set<String>> all = java.util.concurrent.CompletableFuture.completedFuture(new TreeSet<>());
      for (ActorRef<ListCalls> node : l.getServiceInstances(KEY)) {
        CompletionStage<CallIds> ids = AskPattern.<ListCalls, CallIds>ask(node, ListCalls::new, ASK, system.scheduler());
        all = all.thenCombine(ids.exceptionally(e -> new CallIds(List.of())), (acc, one) -> {
          acc.addAll(one.ids());
          return acc;
        });
      }
      return all.thenApply(List::copyOf);
    });
  }

  private static Behavior<ListCalls> behavior() {
    return Behaviors.receive((ctx, ask) -> {
      local(ctx.getSystem()).whenComplete((ids, failure) ->
          ask.replyTo().tell(new CallIds(failure == null ? ids : List.of())));
      return Behaviors.same();
    });
  }
}
