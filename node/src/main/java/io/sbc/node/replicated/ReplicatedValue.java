package io.sbc.node.replicated;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.ReplicatedData;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One durable Distributed Data key of the node's runtime configuration, seen through an immutable
 * view {@code V} that a local subscriber keeps in a volatile field: {@link #get()} is a memory read
 * from any thread (no ask, no network round trip), fit for the call path.
 *
 * <p>Why Distributed Data: the values are tiny, change rarely and are read all the time. Writes
 * use {@code WriteMajority}, so a change acknowledged to the operator survives the loss of a
 * minority; the nodes written to hold it at once, the others get it by gossip ({@code
 * gossip-interval}, 500 ms in our application.conf), and subscribers are told every {@code
 * notify-subscribers-interval} (500 ms): about a second in all. Every key is durable (LMDB, see
 * {@link #durableConfig}), so a restart of the whole cluster keeps it; keys are never deleted
 * (a deleted key can never be used again), a store writes an "unset" value instead.
 *
 * <p>The subscriber also reads the local replica once at start ({@link #loaded()}): the replicator
 * answers only after its durable store has loaded, so a node that waits for it never serves with
 * the configured values while a runtime value is on disk. Notifications and that read may arrive
 * in any order; the subscriber merges what it receives (a CRDT merge never goes back in time).
 *
 * <p>A write's {@code Done} means a majority holds the change; {@link #get()}, on the writing node
 * too, reflects it at the next subscriber notification (within 500 ms). Every node must run the
 * same stores: a cluster member without a replicator counts towards the majority but never
 * acknowledges, so writes would time out.
 *
 * @param <D> the replicated data type (an {@code LWWMap}, an {@code LWWRegister}, ...)
 * @param <V> the view the readers get
 */
public final class ReplicatedValue<D extends ReplicatedData, V> {
  /** Every key of ours starts with this; {@link #durableConfig} makes all of them durable. */
  public static final String KEY_PREFIX = "sbc-";
  static final Duration WRITE_TIMEOUT = Duration.ofSeconds(3);
  private static final Logger log = LoggerFactory.getLogger(ReplicatedValue.class);

  private final ActorSystem<?> system;
  private final Key<D> key;
  private final D empty;
  private final String description;
  private final BiFunction<V, D, V> view;
  private final CompletableFuture<Done> loaded = new CompletableFuture<>();
  private volatile V current;

  private ReplicatedValue(ActorSystem<?> system, Key<D> key, D empty, String description, V initial,
      BiFunction<V, D, V> view) {
    this.system = system;
    this.key = key;
    this.empty = empty;
    this.description = description;
    this.current = initial;
    this.view = view;
  }

  /**
   * Spawns the subscriber of {@code key} (a system actor named after the key, so once per key and
   * ActorSystem) and returns the value. {@code view} computes the readers' view from the previous
   * one and the replicated data; it runs on the subscriber only, and if it throws the previous
   * view stays (logged). Until the first data arrives readers get {@code initial}.
   *
   * @param empty what an update starts from when the key does not exist yet
   * @param description what the value is, for log lines and errors ("route table")
   */
  public static <D extends ReplicatedData, V> ReplicatedValue<D, V> start(ActorSystem<?> system, Key<D> key,
      D empty, String description, V initial, BiFunction<V, D, V> view) {
    if (!key.id().startsWith(KEY_PREFIX)) {
      throw new IllegalArgumentException("key '" + key.id() + "' must start with " + KEY_PREFIX + " to be durable");
    }
    ReplicatedValue<D, V> value = new ReplicatedValue<>(system, key, empty, description, initial, view);
    system.systemActorOf(value.subscriber(), "replicated-" + key.id(), Props.empty());
    return value;
  }

  /**
   * Config fragment to merge into the node config (before the ActorSystem starts): makes every
   * {@value #KEY_PREFIX}* key durable and puts the LMDB store in {@code
   * dataDir/policy-ddata-<clusterPort>} (the name of the first store that used it, kept so that
   * an upgraded node finds its values). One directory per node (nodes sharing a data dir on one
   * host must not share an LMDB file); the name does not end in "ddata", which Pekko would
   * otherwise suffix with the port itself.
   */
  public static Config durableConfig(Path dataDir, int clusterPort) {
    String dir = dataDir.resolve("policy-ddata-" + clusterPort).toAbsolutePath().normalize().toString();
    return ConfigFactory.parseMap(Map.of(
        "pekko.cluster.distributed-data.durable.keys", List.of(KEY_PREFIX + "*"),
        "pekko.cluster.distributed-data.durable.lmdb.dir", dir));
  }

  /** The readers' view. Local memory read: fine on the hot path. */
  public V get() {
    return current;
  }

  /** Completes once the local replica has been read (after the durable store loaded). */
  public CompletionStage<Done> loaded() {
    return loaded;
  }

  /** This node, for the CRDT operations of {@link #update}. */
  public SelfUniqueAddress self() {
    return DistributedData.get(system).selfUniqueAddress();
  }

  /**
   * One Update with WriteMajority, {@code modify} applied to the local replica (or {@code empty}).
   * The stage fails with the {@link IllegalArgumentException} that {@code modify} threw (the
   * change does not fit the value in force: nothing was written), or with an {@link
   * IllegalStateException} saying why the change is not known to be stored cluster-wide.
   *
   * @param change what is changed, for errors ("set global=block")
   */
  public CompletionStage<Done> update(String change, Function<D, D> modify) {
    CompletionStage<Replicator.UpdateResponse<D>> reply = AskPattern.ask(
        DistributedData.get(system).replicator(),
        replyTo -> new Replicator.Update<>(key, empty, new Replicator.WriteMajority(WRITE_TIMEOUT), replyTo,
            modify::apply),
        WRITE_TIMEOUT.plusSeconds(2), // the replicator answers UpdateTimeout after WRITE_TIMEOUT
        system.scheduler());
    return reply.handle((r, error) -> {
      if (r instanceof Replicator.UpdateSuccess) {
        return Done.getInstance();
      }
      if (r instanceof Replicator.ModifyFailure<?> f && f.cause() instanceof IllegalArgumentException rejected) {
        throw rejected;
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
      throw new IllegalStateException(description + " change (" + change + ") failed: " + why, error);
    });
  }

  /** What the subscriber receives: a change notification or the answer to its first read. */
  private record Received(Object response) {}

  private Behavior<Received> subscriber() {
    return Behaviors.setup(context -> {
      @SuppressWarnings({"unchecked", "rawtypes"})
      ActorRef<Replicator.GetResponse<D>> onRead =
          (ActorRef) context.messageAdapter(Replicator.GetResponse.class, Received::new);
      ActorRef<Replicator.Command> replicator = DistributedData.get(system).replicator();
      return DistributedData.<Received, D>withReplicatorMessageAdapter(adapter -> {
        adapter.subscribe(key, Received::new);
        replicator.tell(new Replicator.Get<>(key, Replicator.readLocal(), onRead));
        return receiving(null);
      });
    });
  }

  /** {@code merged}: everything received so far (null: nothing yet). */
  private Behavior<Received> receiving(D merged) {
    return Behaviors.receive(Received.class)
        .onMessage(Received.class, m -> {
          D data = null;
          if (m.response() instanceof Replicator.Changed<?> changed) {
            data = changed.get(key);
          } else if (m.response() instanceof Replicator.GetSuccess<?> got) {
            data = got.get(key);
          }
          D next = merged;
          if (data != null) {
            @SuppressWarnings("unchecked")
            D sum = merged == null ? data : (D) merged.merge(data);
            next = sum;
            try {
              current = view.apply(current, next);
            } catch (RuntimeException e) {
              log.error("{}: cannot use the replicated value, keeping the previous one: {}", description, e.toString());
            }
          }
          if (m.response() instanceof Replicator.GetResponse<?>) {
            loaded.complete(Done.getInstance()); // found, not found, or failed: the store has loaded
          }
          return receiving(next);
        })
        .build();
  }
}
