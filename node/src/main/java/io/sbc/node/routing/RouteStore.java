package io.sbc.node.routing;

import io.sbc.node.replicated.DurableRegister;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The route table in force: one set at runtime (cluster-wide, durable, whole tables only: {@link
 * #replace}) or else the configured {@code sbc.routes}. {@link #get()} is a memory read, so every
 * new call asks it; a call keeps the route it was set up with. Stored as the JSON of {@link
 * RouteTableJson} in a {@link DurableRegister} under {@value #KEY_NAME}: a change is seen on every
 * node within about a second and survives a restart of the whole cluster.
 */
public final class RouteStore implements Supplier<RouteTable> {
  static final String KEY_NAME = "sbc-route-table";
  private static final Logger log = LoggerFactory.getLogger(RouteStore.class);

  private final RouteTable configured;
  private final DurableRegister<RouteTable> runtime;

  private RouteStore(RouteTable configured, DurableRegister<RouteTable> runtime) {
    this.configured = configured;
    this.runtime = runtime;
  }

  /** Starts the store's subscriber (once per ActorSystem); until a runtime table is known, {@code configured} applies. */
  public static RouteStore start(ActorSystem<?> system, RouteTable configured) {
    return new RouteStore(configured, DurableRegister.start(system, KEY_NAME, "route table", codec(configured),
        table -> log.info("route table now: {}", table.map(t -> "set at runtime: " + t.describe())
            .orElse("configured sbc.routes: " + configured.describe()))));
  }

  /** The text form in the store: the JSON of {@link RouteTableJson}, default next hop always written. */
  static DurableRegister.Codec<RouteTable> codec(RouteTable configured) {
    return DurableRegister.Codec.json(RouteTableJson::toJson,
        json -> RouteTableJson.parse(json, Optional.of(configured.defaultHop())));
  }

  /** The table in force. Local memory read: fine for every new call. */
  @Override
  public RouteTable get() {
    return runtime.get().orElse(configured);
  }

  /** The runtime table, if one is set. */
  public Optional<RouteTable> runtime() {
    return runtime.get();
  }

  /** The configured {@code sbc.routes} and {@code sbc.next-hop}. */
  public RouteTable configured() {
    return configured;
  }

  /** Completes once the table stored on this node is known (start SIP only then). */
  public CompletionStage<Done> loaded() {
    return runtime.loaded();
  }

  /** Puts {@code table} in force cluster-wide, replacing the previous one as a whole. */
  public CompletionStage<Done> replace(RouteTable table) {
    return runtime.set(table, "replace with " + table.all().size() + " routes");
  }

  /** Drops the runtime table: the configured one applies again. */
  public CompletionStage<Done> reset() {
    return runtime.clear("back to the configured table");
  }
}
