package io.sbc.node.metrics;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

/**
 * One Prometheus registry per actor system, reachable from HTTP routes without statics, with the
 * JVM's figures bound (memory, GC, threads, class loading, CPU, uptime, file descriptors).
 */
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
      NodeMetrics metrics = new NodeMetrics();
      PrometheusMeterRegistry registry = metrics.registry;
      new JvmMemoryMetrics().bindTo(registry);
      new JvmThreadMetrics().bindTo(registry);
      new ClassLoaderMetrics().bindTo(registry);
      new ProcessorMetrics().bindTo(registry);
      new UptimeMetrics().bindTo(registry);
      new FileDescriptorMetrics().bindTo(registry);
      JvmGcMetrics gc = new JvmGcMetrics();
      gc.bindTo(registry);
      system.getWhenTerminated().thenRun(gc::close); // it listens to the GC beans' notifications
      return metrics;
    }
  }
}
