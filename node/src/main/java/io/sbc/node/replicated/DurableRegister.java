package io.sbc.node.replicated;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.ddata.LWWRegister;
import org.apache.pekko.cluster.ddata.LWWRegisterKey;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An optional runtime value, cluster-wide and durable: one {@code LWWRegister} of its text form
 * (the empty text = not set, so the configured value applies). The whole value is written at once,
 * so concurrent writes never mix: the last one wins as a whole. Text a newer version wrote and this
 * one cannot read is logged and ignored (the previous value stays), never thrown on the call path.
 *
 * @param <V> the value; immutable
 */
public final class DurableRegister<V> {
  private static final Logger log = LoggerFactory.getLogger(DurableRegister.class);
  private static final String UNSET = "";

  /** The text form of the value: {@code decode(encode(v))} equals {@code v}. */
  public interface Codec<V> {
    String encode(V value);

    /** Throws {@link IllegalArgumentException} saying what is wrong with the text. */
    V decode(String text);

    /**
     * A value stored as JSON text: {@code toJson} writes it, {@code fromJson} reads it back (and
     * throws {@link IllegalArgumentException} for JSON that is no such value).
     */
    static <V> Codec<V> json(Function<V, JsonNode> toJson, Function<JsonNode, V> fromJson) {
      return new Codec<>() {
        @Override
        public String encode(V value) {
          return toJson.apply(value).toString();
        }

        @Override
        public V decode(String text) {
          try {
            return fromJson.apply(JSON.readTree(text));
          } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
          }
        }
      };
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ReplicatedValue<LWWRegister<String>, Optional<V>> value;
  private final Codec<V> codec;
  private final String description;

  private DurableRegister(ReplicatedValue<LWWRegister<String>, Optional<V>> value, Codec<V> codec, String description) {
    this.value = value;
    this.codec = codec;
    this.description = description;
  }

  /**
   * Starts the register's subscriber (once per key and ActorSystem). {@code onChange} is told
   * every new value on the subscriber's thread (e.g. to log it); it must not throw.
   */
  public static <V> DurableRegister<V> start(ActorSystem<?> system, String keyName, String description,
      Codec<V> codec, Consumer<Optional<V>> onChange) {
    ReplicatedValue<LWWRegister<String>, Optional<V>> value = ReplicatedValue.start(system,
        LWWRegisterKey.create(keyName),
        LWWRegister.create(DistributedData.get(system).selfUniqueAddress(), UNSET),
        description, Optional.empty(), (previous, register) -> {
          Optional<V> next = read(description, codec, register.getValue(), previous);
          if (!next.equals(previous)) {
            onChange.accept(next);
          }
          return next;
        });
    return new DurableRegister<>(value, codec, description);
  }

  private static <V> Optional<V> read(String description, Codec<V> codec, String text, Optional<V> previous) {
    if (text == null || text.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(codec.decode(text));
    } catch (RuntimeException e) { // e.g. written by a newer version
      log.warn("ignoring the stored {} '{}': {}; keeping the previous one", description, text, e.getMessage());
      return previous;
    }
  }

  /** The runtime value, if one is set. Local memory read. */
  public Optional<V> get() {
    return value.get();
  }

  /** Completes once the local replica has been read (see {@link ReplicatedValue#loaded()}). */
  public CompletionStage<Done> loaded() {
    return value.loaded();
  }

  /** Sets the value cluster-wide (WriteMajority); see {@link ReplicatedValue#update} for failures. */
  public CompletionStage<Done> set(V v, String change) {
    String text = codec.encode(v);
    return value.update(change, r -> r.withValue(value.self(), text));
  }

  /** Unsets the value cluster-wide: the configured one applies again. */
  public CompletionStage<Done> clear(String change) {
    return value.update(change, r -> r.withValue(value.self(), UNSET));
  }

  /**
   * Sets the value computed from the one the local replica holds at the moment of the write (not
   * the readers' view, which may be up to a notification interval older), so a change of a part
   * keeps the other parts. If {@code change} throws {@link IllegalArgumentException} nothing is
   * written and the stage fails with it. The stage gives the value written.
   */
  public CompletionStage<V> modify(String what, Function<Optional<V>, V> change) {
    AtomicReference<V> written = new AtomicReference<>();
    return value.update(what, r -> {
      Optional<V> now = read(description, codec, r.getValue(), Optional.empty());
      V next = change.apply(now);
      written.set(next);
      return r.withValue(value.self(), codec.encode(next));
    }).thenApply(done -> written.get());
  }
}
