package io.sbc.node.policy;

import io.sbc.node.replicated.ReplicatedValue;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster-wide <em>runtime</em> midcall-signaling policy: an optional global value and optional
 * per-route overrides, set by an operator while the cluster runs (they win over the configuration,
 * see {@code MidcallPolicies}).
 *
 * <p>One durable {@code LWWMap} under {@value #KEY_NAME} (entry {@code "*"} = global, other entries
 * = route name → policy keyword), kept and written through {@link ReplicatedValue} (local copy for
 * the readers, WriteMajority, LMDB): a read is a memory access, a change reaches every node within
 * about a second and survives a restart of the whole cluster. Keywords are stored as strings, not
 * enum ordinals, so a newer version can add a policy: an entry this version does not know is
 * logged and ignored, never thrown on the call path.
 */
public final class PolicyStore {
  static final String KEY_NAME = "sbc-midcall-policy";
  static final Key<LWWMap<String, String>> KEY = LWWMapKey.create(KEY_NAME);
  static final String GLOBAL = "*";
  private static final Logger log = LoggerFactory.getLogger(PolicyStore.class);

  /** What the getters read; replaced as a whole by the subscriber, never mutated. */
  private record Snapshot(Optional<MidcallPolicy> global, SortedMap<String, MidcallPolicy> routes) {}

  private final ReplicatedValue<LWWMap<String, String>, Snapshot> value;

  private PolicyStore(ReplicatedValue<LWWMap<String, String>, Snapshot> value) {
    this.value = value;
  }

  /**
   * Starts the store's subscriber (once per ActorSystem). Until the replicator has delivered the
   * first value (at once if it exists, after the durable store has loaded) the getters return
   * empty, so the configured policies apply: start this before the call entities.
   */
  public static PolicyStore start(ActorSystem<?> system) {
    return new PolicyStore(ReplicatedValue.start(system, KEY, LWWMap.create(), "midcall policy",
        new Snapshot(Optional.empty(), Collections.emptySortedMap()), (previous, map) -> snapshot(map.getEntries())));
  }

  /** Completes once the values stored on this node are known (see {@link ReplicatedValue#loaded()}). */
  public CompletionStage<Done> loaded() {
    return value.loaded();
  }

  /** The runtime global policy, if one is set. Local memory read: fine on the hot path. */
  public Optional<MidcallPolicy> global() {
    return value.get().global();
  }

  /** The runtime override of this route, if one is set (empty for null). Local memory read. */
  public Optional<MidcallPolicy> forRoute(String routeName) {
    return routeName == null ? Optional.empty() : Optional.ofNullable(value.get().routes().get(routeName));
  }

  /** Immutable snapshot of all runtime route overrides, route name → policy, sorted by name. */
  public Map<String, MidcallPolicy> routeOverrides() {
    return value.get().routes();
  }

  /** Sets the global policy cluster-wide; fails if a majority did not confirm within 3 s. */
  public CompletionStage<Done> setGlobal(MidcallPolicy p) {
    Objects.requireNonNull(p, "policy");
    return value.update("set global=" + p.keyword(), m -> m.put(value.self(), GLOBAL, p.keyword()));
  }

  /** Removes the runtime global policy (the configured one applies again). */
  public CompletionStage<Done> clearGlobal() {
    return value.update("clear global", m -> m.remove(value.self(), GLOBAL));
  }

  /** Sets a route's override cluster-wide; the route need not be in the table (yet). */
  public CompletionStage<Done> setRoute(String routeName, MidcallPolicy p) {
    Objects.requireNonNull(p, "policy");
    String route = checkRoute(routeName);
    return value.update("set route " + route + "=" + p.keyword(), m -> m.put(value.self(), route, p.keyword()));
  }

  /** Removes a route's runtime override. */
  public CompletionStage<Done> clearRoute(String routeName) {
    String route = checkRoute(routeName);
    return value.update("clear route " + route, m -> m.remove(value.self(), route));
  }

  private static String checkRoute(String routeName) {
    if (routeName == null || routeName.isBlank() || routeName.equals(GLOBAL)) {
      throw new IllegalArgumentException("a route name is required, not '" + routeName + "'");
    }
    return routeName;
  }

  private static Snapshot snapshot(Map<String, String> entries) {
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
    StringBuilder text = new StringBuilder("{");
    routes.forEach((r, p) -> text.append(text.length() > 1 ? ", " : "").append(r).append('=').append(p.keyword()));
    log.info("midcall policy now: global={}, routes={}",
        global.map(MidcallPolicy::keyword).orElse("(not set, configured value applies)"), text.append('}'));
    return new Snapshot(global, Collections.unmodifiableSortedMap(routes));
  }
}
