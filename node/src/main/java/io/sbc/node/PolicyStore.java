package io.sbc.node;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster-wide runtime midcall-signaling policy: an optional global value and optional
 * per-route overrides, changed through this API (and later over HTTP).
 *
 * <p>Why Distributed Data: the value is tiny, changes rarely and must be read on every
 * re-INVITE. One {@code LWWMap} (entry {@code "*"} = global, other entries = route names) is
 * replicated to every node by gossip; a subscriber keeps an immutable local copy, so a read is a
 * memory access. Writes go to a majority ({@code WriteMajority}), so a change acknowledged to the
 * operator survives the loss of a minority, and every node sees it within the gossip interval
 * (2 s by default; subscribers are notified at once on the writing node and the nodes it wrote
 * to). The key is durable (LMDB under the data directory), so a whole-cluster restart keeps it.
 * An event-sourced singleton would add a journal round trip and a hand-over pause for no gain.
 */
public final class PolicyStore {
  static final String KEY_NAME = "sbc-midcall-policy";
  static final Key<LWWMap<String, String>> KEY = LWWMapKey.create(KEY_NAME);
  private static final String GLOBAL = "*";
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(3);
  private static final Logger log = LoggerFactory.getLogger(PolicyStore.class);

  private final ActorSystem<?> system;
  private final SelfUniqueAddress self;
  private final AtomicReference<Map<String, MidcallPolicy>> current = new AtomicReference<>(Map.of());

  private PolicyStore(ActorSystem<?> system) {
    this.system = system;
    this.self = DistributedData.get(system).selfUniqueAddress();
  }

  /** Starts the local subscriber and returns the store. */
  public static PolicyStore start(ActorSystem<?> system) {
    PolicyStore store = new PolicyStore(system);
    system.systemActorOf(store.subscriber(), "midcall-policy", Props.empty());
    return store;
  }

  /**
   * Config for the durable key: LMDB in {@code dataDir/policy-ddata-<clusterPort>} (one store
   * per node; a directory name ending in "ddata" would get the port appended by Pekko).
   */
  public static Config durableConfig(Path dataDir, int clusterPort) {
    String dir = dataDir.resolve("policy-ddata-" + clusterPort).toAbsolutePath().toString();
    return ConfigFactory.parseMap(Map.of(
        "pekko.cluster.distributed-data.durable.keys", java.util.List.of(KEY_NAME),
        "pekko.cluster.distributed-data.durable.lmdb.dir", dir));
  }

  public Optional<MidcallPolicy> global() {
    return Optional.ofNullable(current.get().get(GLOBAL));
  }

  public Optional<MidcallPolicy> forRoute(String routeName) {
    return Optional.ofNullable(current.get().get(routeName));
  }

  /** Route name → runtime override. */
  public Map<String, MidcallPolicy> routeOverrides() {
    Map<String, MidcallPolicy> out = new TreeMap<>(current.get());
    out.remove(GLOBAL);
    return out;
  }

  public CompletionStage<Done> setGlobal(MidcallPolicy policy) {
    return update("global policy " + policy.keyword(), m -> m.put(self, GLOBAL, policy.keyword()));
  }

  public CompletionStage<Done> clearGlobal() {
    return update("clear the global policy", m -> m.remove(self, GLOBAL));
  }

  public CompletionStage<Done> setRoute(String routeName, MidcallPolicy policy) {
    if (routeName == null || routeName.isBlank() || routeName.equals(GLOBAL)) {
      throw new IllegalArgumentException("a route name is required (not '" + routeName + "')");
    }
    return update("route " + routeName + " policy " + policy.keyword(), m -> m.put(self, routeName, policy.keyword()));
  }

  public CompletionStage<Done> clearRoute(String routeName) {
    return update("clear the policy of route " + routeName, m -> m.remove(self, routeName));
  }

  private CompletionStage<Done> update(String what, Function<LWWMap<String, String>, LWWMap<String, String>> modify) {
    CompletionStage<Replicator.UpdateResponse<LWWMap<String, String>>> reply = AskPattern.ask(
        DistributedData.get(system).replicator(),
        replyTo -> new Replicator.Update<>(KEY, LWWMap.create(), new Replicator.WriteMajority(WRITE_TIMEOUT),
            replyTo, modify::apply),
        WRITE_TIMEOUT.plusSeconds(2),
        system.scheduler());
    return reply.thenApply(r -> {
      if (r instanceof Replicator.UpdateSuccess) {
        return Done.getInstance();
      }
      throw new IllegalStateException("midcall policy change (" + what + ") did not reach a majority of the cluster: "
          + r.getClass().getSimpleName() + "; it may still spread, retry to be sure");
    });
  }

  private sealed interface Msg {}

  private record Changed(Replicator.SubscribeResponse<LWWMap<String, String>> response) implements Msg {}

  private Behavior<Msg> subscriber() {
    return Behaviors.setup(ctx -> DistributedData.<Msg, LWWMap<String, String>>withReplicatorMessageAdapter(adapter -> {
      adapter.subscribe(KEY, Changed::new);
      return Behaviors.receive(Msg.class)
          .onMessage(Changed.class, c -> {
            if (c.response() instanceof Replicator.Changed<LWWMap<String, String>> changed) {
              publish(changed.get(KEY).getEntries());
            } else if (c.response() instanceof Replicator.Deleted) {
              publish(Map.of());
            }
            return Behaviors.same();
          })
          .build();
    }));
  }

  private void publish(Map<String, String> entries) {
    Map<String, MidcallPolicy> parsed = new TreeMap<>();
    entries.forEach((k, v) -> {
      try {
        parsed.put(k, MidcallPolicy.parse(v));
      } catch (IllegalArgumentException e) {
        log.warn("ignoring midcall policy entry {} = '{}': {}", k, v, e.getMessage());
      }
    });
    current.set(Map.copyOf(parsed));
    Map<String, MidcallPolicy> routes = routeOverrides();
    log.info("midcall policy now: global={}, routes={}",
        global().map(MidcallPolicy::keyword).orElse("(configured)"),
        routes.isEmpty() ? "{}" : routes.entrySet().stream()
            .map(e -> e.getKey() + "=" + e.getValue().keyword()).toList());
  }
}
