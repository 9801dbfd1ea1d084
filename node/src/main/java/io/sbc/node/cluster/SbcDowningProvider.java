package io.sbc.node.cluster;

import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.Props;
import org.apache.pekko.cluster.DowningProvider;
import org.apache.pekko.cluster.sbr.SplitBrainResolverProvider;
import scala.Option;
import scala.concurrent.duration.FiniteDuration;

/**
 * Pekko's Split Brain Resolver, with the down-removal margin set on its own
 * ({@code sbc.cluster.down-removal-margin}, 0 allowed) instead of following the SBR's
 * stable-after. The margin lets a downed node that still runs stop its entities before they start
 * elsewhere; this node stops touching SIP without it ({@link io.sbc.gateway.Fence}: no majority
 * reachable, or a pause longer than the cluster waits), so the calls of a dead node need not wait.
 */
public final class SbcDowningProvider extends DowningProvider {
  private final SplitBrainResolverProvider sbr;
  private final FiniteDuration margin;

  public SbcDowningProvider(ActorSystem system) {
    this.sbr = new SplitBrainResolverProvider(system);
    long millis = system.settings().config().getDuration("sbc.cluster.down-removal-margin", TimeUnit.MILLISECONDS);
    this.margin = FiniteDuration.apply(millis, TimeUnit.MILLISECONDS);
  }

  @Override
  public FiniteDuration downRemovalMargin() {
    return margin;
  }

  @Override
  public Option<Props> downingActorProps() {
    return sbr.downingActorProps();
  }
}
