package io.sbc.node.policy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
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
 * The cluster-wide <em>runtime</em> midcall-signaling policy: an optional global value and optional
 * per-route overrides, set by an operator while the cluster runs (they win over the configuration,
 * see {@link MidcallPolicies}).
 *
 * <p>Why Distributed Data: the value is tiny, changes rarely and is read for every re-INVITE. One
 * {@code LWWMap} under {@value #KEY_NAME} (entry {@code "*"} = global, other entries = route name
 * → policy keyword) is replicated to every node. A local subscriber keeps an immutable copy in a
 * volatile field, so a read is a memory access from any thread, with no ask and no network round
 * trip. Writes use {@code WriteMajority}, so a change acknowledged to the operator survives the
 * loss of a minority; the nodes written to hold it at once, the others get it by gossip
 * ({@code gossip-interval}, 500 ms in our application.conf), and subscribers are told every
 * {@code notify-subscribers-interval} (500 ms): about a second in all. The key is durable
 * (LMDB, see {@link #durableConfig}), so a restart of the whole cluster keeps it. Keywords are
 * stored as strings, not enum ordinals, so a newer version can add a policy: an entry this version
 * does not know is logged and ignored, never thrown on the call path.
 *
 * <p>A write's {@code Done} means a majority holds the change; the getters, on the writing node
 * too, reflect it at the next subscriber notification (within 500 ms). Every node must run a store:
 * a cluster member without a replicator (one that never started this) counts towards the majority
 * but never acknowledges, so writes would time out.
 */
public final class PolicyStore {
  static final String KEY_NAME = "sbc-midcall-policy";
  static final Key<LWWMap<String, String>> KEY = LWWMapKey.create(KEY_NAME);
  static final String GLOBAL = "*";
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(3);
  private static final Logger log = LoggerFactory.getLogger(PolicyStore.class);

  /** What the getters read; replaced as a whole by the subscriber, never mutated. */
  private record Snapshot(Optional<MidcallPolicy> global, SortedMap<String, MidcallPolicy> routes) {}

  private final ActorSystem<?> system;
  private final SelfUniqueAddress self;
  private volatile Snapshot current = new Snapshot(Optional.empty(), Collections.emptySortedMap());

  private PolicyStore(ActorSystem<?> system) {
    this.system = system;
    this.self = DistributedData.get(system).selfUniqueAddress();
  }

  /**
   * Spawns the subscriber (a system actor named {@code midcall-policy}, so call this once per
   * ActorSystem) and returns the store. Until the replicator has delivered the first value (at
   * once if it exists, after the durable store has loaded) the getters return empty, so the
   * configured policies apply: start this before the call entities.
   */
  public static PolicyStore start(ActorSystem<?> system) {
    PolicyStore store = new PolicyStore(system);
    system.systemActorOf(store.subscriber(), "midcall-policy", Props.empty());
    return store;
  }

  /**
   * Config fragment to merge into the node config: makes the key durable and puts its LMDB store in
   * {@code dataDir/policy-ddata-<clusterPort>}. One directory per node (nodes sharing a data dir on
   * one host must not share an LMDB file); the name does not end in "ddata", which Pekko would
   * otherwise suffix with the port itself.
   */
  public static Config durableConfig(Path dataDir, int clusterPort) {
    String dir = dataDir.resolve("policy-ddata-" + clusterPort).toAbsolutePath().normalize().toString();
    return ConfigFactory.parseMap(Map.of(
        "pekko.cluster.distributed-data.durable.keys", List.of(KEY_NAME),
        "pekko.cluster.distributed-data.durable.lmdb.dir", dir));
  }

  /** The runtime global policy, if one is set. Local memory read: fine on the hot path. */
  public Optional<MidcallPolicy> global() {
    return current.global();
  }

  /** The runtime override of this route, if one is set (empty for null). Local memory read. */
  public Optional<MidcallPolicy> forRoute(String routeName) {
    return routeName == null ? Optional.empty() : Optional.ofNullable(current.routes().get(routeName));
  }

  /** Immutable snapshot of all runtime route overrides, route name → policy, sorted by name. */
  public Map<String, MidcallPolicy> routeOverrides() {
    return current.routes();
  }

  /** Sets the global policy cluster-wide; fails if a majority did not confirm within 3 s. */
  public CompletionStage<Done> setGlobal(MidcallPolicy p) {
    Objects.requireNonNull(p, "policy");
    return update("set global=" + p.keyword(), m -> m.put(self, GLOBAL, p.keyword()));
  }

  /** Removes the runtime global policy (the configured one applies again). */
  public CompletionStage<Done> clearGlobal() {
    return update("clear global", m -> m.remove(self, GLOBAL));
  }

  /** Sets a route's override cluster-wide; the route need not be configured (yet) on this node. */
  public CompletionStage<Done> setRoute(String routeName, MidcallPolicy p) {
    Objects.requireNonNull(p, "policy");
    String route = checkRoute(routeName);
    return update("set route " + route + "=" + p.keyword(), m -> m.put(self, route, p.keyword()));
  }

  /** Removes a route's runtime override. */
  public CompletionStage<Done> clearRoute(String routeName) {
    String route = checkRoute(routeName);
    return update("clear route " + route, m -> m.remove(self, route));
  }

  private static String checkRoute(String routeName) {
    if (routeName == null || routeName.isBlank() || routeName.equals(GLOBAL)) {
      throw new IllegalArgumentException("a route name is required, not '" + routeName + "'");
    }
    return routeName;
  }

  /** One Update with WriteMajority; a reply other than UpdateSuccess becomes a failed stage. */
  private CompletionStage<Done> update(String what, Function<LWWMap<String, String>, LWWMap<String, String>> modify) {
    CompletionStage<Replicator.UpdateResponse<LWWMap<String, String>>> reply = AskPattern.ask(
        DistributedData.get(system).replicator(),
        replyTo -> new Replicator.Update<>(KEY, LWWMap.create(), new Replicator.WriteMajority(WRITE_TIMEOUT),
            replyTo, modify::apply),
        WRITE_TIMEOUT.plusSeconds(2), // the replicator answers UpdateTimeout after WRITE_TIMEOUT
        system.scheduler());
    return reply.handle((r, error) -> {
      if (r instanceof Replicator.UpdateSuccess) {
        return Done.getInstance();
      }
      String why;
      if (error != null) {
        why = "the local replicator did not answer: " + error;
      } else if (r instanceof Replicator.UpdateTimeout) {
        why = "it did not reach a majority of the cluster within " + WRITE_TIMEOUT.toSeconds()
            + " s (it is applied on this node and may still spread; repeat it to be sure)";
      } else if (r instanceof Replicator.StoreFailure) {
        why = "this node could not write it to its durable store (LMDB)";
      } else if (r instanceof Replicator.ModifyFailure<?> f) {
        why = "the update failed: " + f.errorMessage();
      } else {
        why = "unexpected reply " + r;
      }
      throw new IllegalStateException("midcall policy change (" + what + ") failed: " + why, error);
    });
  }

  private record Changed(Replicator.SubscribeResponse<LWWMap<String, String>> response) {}

  private Behavior<Changed> subscriber() {
    return DistributedData.<Changed, LWWMap<String, String>>withReplicatorMessageAdapter(adapter -> {
      adapter.subscribe(KEY, Changed::new);
      return Behaviors.receive(Changed.class)
          .onMessage(Changed.class, c -> {
            if (c.response() instanceof Replicator.Changed<LWWMap<String, String>> changed) {
              publish(changed.get(KEY).getEntries());
            } else if (c.response() instanceof Replicator.Deleted) {
              publish(Map.of());
            }
            return Behaviors.same();
          })
          .build();
    });
  }

  private void publish(Map<String, String> entries) {
    Optional<MidcallPolicy> global = Optional.empty();
    TreeMap<String, MidcallPolicy> routes = new TreeMap<>();
    for (Map.Entry<String, String> e : entries.entrySet()) {
      MidcallPolicy p;
      try {
        p = MidcallPolicy.parse(e.getValue());
      } catch (IllegalArgumentException unknown) { // e.g. written by a newer version
        log.warn("ignoring midcall policy entry {} = '{}': {}", e.getKey(), e.getValue(), unknown.getMessage());
        continue;
      }
      if (e.getKey().equals(GLOBAL)) {
        global = Optional.of(p);
      } else {
        routes.put(e.getKey(), p);
      }
    }
    current = new Snapshot(global, Collections.unmodifiableSortedMap(routes));
    StringBuilder text = new StringBuilder("{");
    routes.forEach((r, p) -> text.append(text.length() > 1 ? ", " : "").append(r).append('=').append(p.keyword()));
    log.info("midcall policy now: global={}, routes={}",
        global.map(MidcallPolicy::keyword).orElse("(not set, configured value applies)"), text.append('}'));
  }
}
