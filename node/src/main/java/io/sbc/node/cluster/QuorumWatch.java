package io.sbc.node.cluster;

import io.sbc.gateway.Fence;
import java.util.Set;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes this node's {@link Fence} while it cannot reach a majority of the cluster. Such a node
 * is on the side the Split Brain Resolver will down (it downs itself there too, stable-after
 * later); from the moment it notices, it neither takes SIP nor sends any, so the majority can
 * start its calls elsewhere without a down-removal margin. Reversible: when the others are
 * reachable again before any decision, the fence opens.
 */
final class QuorumWatch {
  private static final Logger log = LoggerFactory.getLogger(QuorumWatch.class);

  private final Fence fence;
  private boolean suspended;

  private QuorumWatch(Fence fence) {
    this.fence = fence;
  }

  static Behavior<ClusterEvent.ClusterDomainEvent> create(Fence fence) {
    return Behaviors.setup(ctx -> {
      Cluster cluster = Cluster.get(ctx.getSystem());
      cluster.subscriptions().tell(Subscribe.create(ctx.getSelf(), ClusterEvent.ClusterDomainEvent.class));
      QuorumWatch watch = new QuorumWatch(fence);
      return Behaviors.receiveMessage(event -> {
        watch.check(cluster.state(), cluster.selfMember().address());
        return Behaviors.same();
      });
    });
  }

  private void check(ClusterEvent.CurrentClusterState state, Address self) {
    Set<Address> counted = Quorum.counted(state);
    Set<Address> reachable = Quorum.reachable(state);
    boolean quorum = !counted.contains(self) || Quorum.holds(counted, reachable);
    if (!quorum && !suspended) {
      suspended = true;
      fence.suspend("only " + reachable.size() + " of " + counted.size() + " members reachable");
      log.warn("fenced: only {} of {} cluster members reachable ({}); no SIP in or out until a majority is back",
          reachable.size(), counted.size(), reachable);
    } else if (quorum && suspended) {
      suspended = false;
      fence.resume();
      log.warn("fence open again: {} of {} cluster members reachable", reachable.size(), counted.size());
    }
  }
}
