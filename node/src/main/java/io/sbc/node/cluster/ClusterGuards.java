package io.sbc.node.cluster;

import com.typesafe.config.Config;
import io.sbc.gateway.Fence;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What lets the calls of a dead node move in seconds without ever being handled on two nodes
 * (README, "Fail-over time"): the dead-member probe downs a member whose process is gone at once;
 * the fence keeps a node that may be on the losing side (no majority reachable, or resumed after a
 * long pause) away from SIP, which is what makes a zero down-removal margin safe.
 */
public final class ClusterGuards {
  private static final Logger log = LoggerFactory.getLogger(ClusterGuards.class);

  private ClusterGuards() {}

  /**
   * The node's fence: with {@code sbc.cluster.pause-fence} above zero it closes for good when the
   * process was stopped that long, and {@code onPause} is told (the node must go: the cluster
   * may have downed it and started its calls elsewhere).
   */
  public static Fence fence(Config config, Consumer<Duration> onPause) {
    Duration maxPause = config.getDuration("sbc.cluster.pause-fence");
    Duration detect = config.getDuration("pekko.cluster.failure-detector.acceptable-heartbeat-pause");
    Duration stable = config.getDuration("pekko.cluster.split-brain-resolver.stable-after");
    if (!maxPause.isZero() && maxPause.compareTo(detect.plus(stable)) >= 0) {
      log.warn("sbc.cluster.pause-fence ({}) is not below acceptable-heartbeat-pause + stable-after ({}): a node "
          + "resumed after a pause may already have been downed when it handles its first message", maxPause,
          detect.plus(stable));
    }
    return Fence.watchingPauses(maxPause, Duration.ofMillis(100), onPause);
  }

  /** Starts the quorum watch and, when enabled, the dead-member probe. */
  public static void start(ActorSystem<?> system, Config config, Fence fence) {
    if (config.getBoolean("sbc.cluster.quorum-fence")) {
      system.systemActorOf(QuorumWatch.create(fence), "quorum-watch", Props.empty());
    }
    if (config.getBoolean("sbc.cluster.dead-member-probe.enabled")) {
      ExecutorService connects = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "sbc-dead-member-probe");
        t.setDaemon(true);
        return t;
      });
      DeadMemberProbe.Settings settings = new DeadMemberProbe.Settings(
          config.getDuration("sbc.cluster.dead-member-probe.interval"),
          config.getDuration("sbc.cluster.dead-member-probe.connect-timeout"),
          config.getInt("sbc.cluster.dead-member-probe.refusals"));
      system.systemActorOf(DeadMemberProbe.create(settings, connects), "dead-member-probe", Props.empty());
      system.getWhenTerminated().thenRun(connects::shutdownNow);
    }
  }
}
