package io.sbc.node.call;

import io.sbc.gateway.InboundSink;
import io.sbc.node.config.SbcSettings;
import io.sbc.protocol.CallIds;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;

/** How call entities are placed in the cluster and how a gateway's messages reach them. */
public final class CallSharding {
  private CallSharding() {}

  /**
   * Starts sharding for calls on this node (shards only on nodes with the {@code call} role, a
   * proxy elsewhere); returns the region to send envelopes to. A stop (passivation or a shard's
   * hand-off) is {@link CallEntity.Stop}, so that the entity can write down what is in flight.
   */
  public static ActorRef<ShardingEnvelope<CallEntity.Command>> init(ActorSystem<?> system, CallServices services) {
    return ClusterSharding.get(system).init(
        Entity.of(CallEntity.ENTITY_KEY, ctx -> CallEntity.create(ctx.getEntityId(), ctx.getShard(), services))
            .withRole(SbcSettings.CALL)
            .withStopMessage(new CallEntity.Stop()));
  }

  /**
   * Where a gateway hands what it decoded: to the entity of the message's call, whose id the
   * Call-ID alone gives (no state, so any node routes any message). {@code region} is read per
   * message because the gateway starts before sharding does. An out-of-dialog OPTIONS is answered
   * on the spot ({@link OptionsProbes}): it belongs to no call.
   */
  public static InboundSink inboundSink(CallIds callIds,
      Supplier<ActorRef<ShardingEnvelope<CallEntity.Command>>> region, OptionsProbes probes) {
    return (message, flow, receivedAt) -> {
      if (!probes.answered(message, flow)) {
        region.get().tell(new ShardingEnvelope<>(
            callIds.entityIdOf(message.getCallId().getCallId()), new CallEntity.Inbound(message, flow, receivedAt)));
      }
    };
  }
}
