package io.sbc.node;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import io.sbc.gateway.CborSerializable;
import io.sbc.gateway.Flow;
import io.sbc.gateway.GatewayCommand;
import io.sbc.gateway.SipMessageJson;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.SnapshotSelectionCriteria;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.Recovery;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One call: both legs of the B2BUA, their transactions and the persisted dialog.
 *
 * <p>The durable part is event-sourced: the confirmed dialog ({@link CallEstablished}) and its
 * end ({@link CallEnded}). Transactions, retransmission timers and in-flight CSeqs live in plain
 * fields of this per-entity instance (soft state, rebuilt as {@link CallLogic} goes). The SIP
 * logic itself is in {@link CallLogic}; this class wires it to persistence, timers and sharding.
 */
public final class CallEntity
    extends EventSourcedBehavior<CallEntity.Command, CallEntity.Event, CallEntity.State> {

  public static final EntityTypeKey<Command> ENTITY_KEY =
      EntityTypeKey.create(Command.class, "Call");

  // ---- commands --------------------------------------------------------------------------
  public sealed interface Command extends CborSerializable {}

  /**
   * A SIP message for this call, as decoded by some node's gateway, with its flow and the wall
   * clock time its bytes were read (for the processing lag that drives admission control).
   */
  public record Inbound(
      @JsonSerialize(using = SipMessageJson.Writer.class)
          @JsonDeserialize(using = SipMessageJson.Reader.class)
          SIPMessage message,
      Flow flow,
      long receivedAtMillis)
      implements Command {}

  /** One of the call's own timers fired; {@code key} says which (see {@link CallLogic}). */
  public record TimerFired(String key) implements Command {}

  /** A gateway could not deliver something this call sent. */
  public record TransportFailed(GatewayCommand.SendFailed failure) implements Command {}

  /**
   * Starts (recovers) the entity without a SIP message, so that a persisted call rebuilds its
   * session timers (sent by remember-entities after a failover, or by tests).
   */
  public record Wake() implements Command {}

  /** Stop message for passivation. */
  public record Stop() implements Command {}

  /** Writes again the events a failed journal write lost (sent to itself after a restart). */
  public record RetryWrites() implements Command {}

  // ---- events ----------------------------------------------------------------------------
  public sealed interface Event extends CborSerializable {}

  /**
   * Both dialogs are confirmed: what a failover needs to continue the call (the legs with the
   * SDP negotiated at setup), the route it took (for per-route policy) and each leg's session
   * timer as armed at setup (null: none). One event, so a new call costs one write.
   */
  public record CallEstablished(Leg a, Leg b, String route, SessionTimer timerA, SessionTimer timerB)
      implements Event {}

  /** A completed offer/answer or target refresh changed what a failover needs of the legs. */
  public record DialogUpdated(Leg a, Leg b) implements Event {}

  /** A leg's session timer was negotiated anew in the call: interval, refresher, deadline. */
  public record SessionTimerArmed(Leg.Side side, SessionTimer timer) implements Event {}

  /** A leg's session was refreshed on the same terms: only the deadline moved. */
  public record SessionRefreshed(Leg.Side side, SessionTimer timer) implements Event {}

  /** No refresh came by a leg's deadline (RFC 4028 §10): the call is being torn down. */
  public record SessionExpired(Leg.Side side) implements Event {}

  public record CallEnded(String reason) implements Event {}

  // ---- state -----------------------------------------------------------------------------
  public sealed interface State extends CborSerializable {}

  public record NoCall(boolean ended) implements State {}

  /**
   * A confirmed call. {@code setupSdpA}/{@code setupSdpB}: what each peer established at setup
   * (for preserve-codec); {@code timerA}/{@code timerB} are null when a leg has no session timer.
   */
  public record Established(
      Leg a, Leg b, String route, String setupSdpA, String setupSdpB, SessionTimer timerA, SessionTimer timerB)
      implements State {
    Established withTimer(Leg.Side side, SessionTimer t) {
      return side == Leg.Side.A
          ? new Established(a, b, route, setupSdpA, setupSdpB, t, timerB)
          : new Established(a, b, route, setupSdpA, setupSdpB, timerA, t);
    }
  }

  // ---- wiring ----------------------------------------------------------------------------

  /**
   * Starts sharding for calls on this node (shards only on nodes with the {@code call} role, a
   * proxy elsewhere); returns the region to send envelopes to.
   */
  public static ActorRef<ShardingEnvelope<Command>> init(
      ActorSystem<?> system, CallServices services) {
    return ClusterSharding.get(system)
        .init(
            Entity.of(
                    ENTITY_KEY,
                    ctx -> create(ctx.getEntityId(), ctx.getShard(), services))
                .withRole(SbcSettings.CALL)
                .withStopMessage(new Stop()));
  }

  /**
   * The first message decides how the entity starts. An initial INVITE opens a call with a new,
   * globally unique Call-ID (RFC 3261 §8.1.1.4): nothing can be in the journal for it, so the
   * entity skips recovery, sparing one journal query per new call. Anything else (an in-dialog
   * request after a failover, a late retransmission) recovers the persisted dialog first.
   */
  static Behavior<Command> create(
      String entityId,
      ActorRef<ClusterSharding.ShardCommand> shard,
      CallServices services) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withStash(
                STASH_CAPACITY,
                stash ->
                    Behaviors.receive(Command.class)
                        .onAnyMessage(
                            first -> {
                              boolean fresh = startsNewCall(first);
                              stash.stash(first);
                              return stash.unstashAll(
                                  Behaviors.withTimers(
                                      timers ->
                                          new CallEntity(entityId, ctx, timers, shard, services, fresh)));
                            })
                        .build()));
  }

  private static boolean startsNewCall(Command first) {
    return first instanceof Inbound in
        && in.message() instanceof SIPRequest req
        && req.getMethod().equals("INVITE")
        && req.getToTag() == null;
  }

  private static final int STASH_CAPACITY = 64;

  private final boolean fresh;
  private final CallServices services;
  private final CallLogic logic;
  private final ActorContext<Command> context;
  private final ActorRef<ClusterSharding.ShardCommand> shard;

  /*
   * A failed journal write (database down) restarts this behaviour with backoff; this instance,
   * its CallLogic and these fields survive the restart. The events of the failed write and the
   * sends waiting for them are kept here and written again once the journal answers.
   */
  /** Events handed to the journal and not confirmed yet. */
  private List<Event> unconfirmed = List.of();
  /** Sends that wait for {@link #unconfirmed} to be durable (the 2xx that confirms a dialog). */
  private List<Runnable> waitingSends = List.of();
  /** The sequence number before {@link #unconfirmed}: tells after a restart whether they landed. */
  private long sequenceBeforeUnconfirmed;
  /** After a restart: {@link #unconfirmed} must be written again before anything new. */
  private boolean rewrite;

  private CallEntity(
      String entityId,
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      ActorRef<ClusterSharding.ShardCommand> shard,
      CallServices services,
      boolean fresh) {
    super(PersistenceId.of(ENTITY_KEY.name(), entityId), services.settings().journalBackoff().strategy());
    this.fresh = fresh;
    this.services = services;
    this.context = context;
    this.shard = shard;
    ActorRef<GatewayCommand.SendFailed> failures =
        context.messageAdapter(GatewayCommand.SendFailed.class, TransportFailed::new);
    this.logic = new CallLogic(entityId, services, timers, failures, context.getLog());
  }

  @Override
  public State emptyState() {
    return new NoCall(false);
  }

  /** A new call has nothing to replay; an existing one never snapshots (a few events at most). */
  @Override
  public Recovery recovery() {
    return fresh
        ? Recovery.disabled()
        : Recovery.withSnapshotSelectionCriteria(SnapshotSelectionCriteria.none());
  }

  @Override
  public CommandHandler<Command, Event, State> commandHandler() {
    return newCommandHandlerBuilder().forAnyState().onAnyCommand(this::onCommand);
  }

  private Effect<Event, State> onCommand(State state, Command command) {
    if (command instanceof Stop) {
      return rewrite ? persist(List.of(), List.of()).thenStop() : Effect().stop();
    }
    if (command instanceof Inbound in) {
      services.admission().recordLag(System.currentTimeMillis() - in.receivedAtMillis());
    }
    CallLogic.Outcome outcome = command instanceof RetryWrites
        ? new CallLogic.Outcome(List.of(), List.of(), false)
        : logic.handle(command);
    if (outcome.passivate()) {
      shard.tell(new ClusterSharding.Passivate<>(context.getSelf()));
    }
    boolean confirmsDialog = outcome.events().stream().anyMatch(e -> e instanceof CallEstablished);
    if (!confirmsDialog) {
      // Nothing the peers see depends on this write (e.g. the end of a call): answer first.
      outcome.sends().forEach(Runnable::run);
    }
    if (outcome.events().isEmpty() && !rewrite) {
      return Effect().none();
    }
    // The 2xx that confirms a dialog goes out only once the dialog is durable, so that a call
    // the caller believes established survives the loss of this node.
    return persist(outcome.events(), confirmsDialog ? outcome.sends() : List.of());
  }

  /** Persists {@code events} (after the ones a failed write lost), then runs {@code after}. */
  private EffectBuilder<Event, State> persist(List<Event> events, List<Runnable> after) {
    if (rewrite) {
      rewrite = false;
      events = concat(unconfirmed, events);
      after = concat(waitingSends, after);
      context.getLog().info("call {}: writing {} event(s) again after a journal failure", persistenceId().id(),
          events.size());
    }
    unconfirmed = events;
    waitingSends = after;
    sequenceBeforeUnconfirmed = lastSequenceNumber(context);
    return Effect()
        .persist(events)
        .thenRun(s -> {
          List<Runnable> sends = waitingSends;
          unconfirmed = List.of();
          waitingSends = List.of();
          sends.forEach(Runnable::run);
        });
  }

  private static <T> List<T> concat(List<T> first, List<T> second) {
    if (first.isEmpty()) {
      return second;
    }
    List<T> all = new ArrayList<>(first);
    all.addAll(second);
    return all;
  }

  /**
   * After recovery: rebuilds the call (first start) or, after a restart caused by a failed
   * journal write, checks whether that write landed after all (a timeout can hide a commit)
   * and otherwise writes it again before anything else.
   */
  private void onRecovered(State state) {
    logic.recovered(state);
    if (unconfirmed.isEmpty()) {
      return;
    }
    services.metrics().journalRetries.increment();
    if (lastSequenceNumber(context) >= sequenceBeforeUnconfirmed + unconfirmed.size()) {
      context.getLog().info("call {}: the journal write reported failed had landed", persistenceId().id());
      List<Runnable> sends = waitingSends;
      unconfirmed = List.of();
      waitingSends = List.of();
      sends.forEach(Runnable::run);
      return;
    }
    context.getLog().warn("call {}: journal write of {} event(s) failed; retrying", persistenceId().id(),
        unconfirmed.size());
    rewrite = true;
    context.getSelf().tell(new RetryWrites());
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return newEventHandlerBuilder()
        .forAnyState()
        .onEvent(CallEstablished.class,
            (s, e) -> new Established(e.a(), e.b(), e.route(), e.a().remoteSdp(), e.b().remoteSdp(), e.timerA(), e.timerB()))
        .onEvent(DialogUpdated.class,
            (s, e) -> s instanceof Established est
                ? new Established(e.a(), e.b(), est.route(), est.setupSdpA(), est.setupSdpB(), est.timerA(), est.timerB())
                : s)
        .onEvent(SessionTimerArmed.class,
            (s, e) -> s instanceof Established est ? est.withTimer(e.side(), e.timer()) : s)
        .onEvent(SessionRefreshed.class,
            (s, e) -> s instanceof Established est ? est.withTimer(e.side(), e.timer()) : s)
        .onEvent(SessionExpired.class, (s, e) -> s)
        .onEvent(CallEnded.class, (s, e) -> new NoCall(true))
        .build();
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::onRecovered)
        .build();
  }
}
