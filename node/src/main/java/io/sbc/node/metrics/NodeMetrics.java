package io.sbc.node.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/** One Prometheus registry per actor system, reachable from HTTP routes without statics. */
public final class NodeMetrics implements Extension {
  private static final Id ID = new Id();

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  public static NodeMetrics get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  public static NodeMetrics get(org.apache.pekko.actor.ActorSystem classic) {
    return get(org.apache.pekko.actor.typed.javadsl.Adapter.toTyped(classic));
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  private static final class Id extends ExtensionId<NodeMetrics> {
    @Override
    public NodeMetrics createExtension(ActorSystem<?> system) {
      return new NodeMetrics();
    }
  }
}
