package io.sbc.node.call;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.gateway.CborSerializable;
import io.sbc.gateway.Flow;
import io.sbc.gateway.GatewayCommand;
import io.sbc.gateway.SipMessageJson;
import io.sbc.node.dialog.CallEvent;
import io.sbc.node.dialog.InFlight;
import io.sbc.node.dialog.PersistedCall;
import io.sbc.node.transaction.Effects;
import io.sbc.node.transaction.TimerKey;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
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
 * One call as a sharded, event-sourced entity: the commands it takes, how it starts (fresh or
 * recovered), and how the effects of each message are persisted and sent. The SIP logic is the
 * {@link B2bua}'s; the durable part is the {@link CallEvent}s folded into a {@link PersistedCall}.
 * Transactions and timers are soft state of this per-entity instance.
 */
public final class CallEntity
    extends EventSourcedBehavior<CallEntity.Command, CallEvent, PersistedCall> {

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

  /** One of the call's own timers fired (local only: timers never cross nodes, so never serialized). */
  public record TimerFired(TimerKey key) implements Command {}

  /** A gateway could not deliver something this call sent. */
  public record TransportFailed(GatewayCommand.SendFailed failure) implements Command {}

  /**
   * Starts (recovers) the entity without a SIP message, so that a persisted call rebuilds its
   * session timers (sent by the journal's call waker after a failover, or by tests).
   */
  public record Wake() implements Command {}

  /** An operator asks what the call is (HTTP {@code GET /sbc/calls/{id}}). */
  public record Describe(ActorRef<CallView> replyTo) implements Command {}

  /** An operator hangs the call up (HTTP {@code DELETE /sbc/calls/{id}}): BYE on both legs. */
  public record HangUp(String reason, ActorRef<HangUpResult> replyTo) implements Command {}

  /** Stop message for passivation and for a shard's hand-off to another node. */
  public record Stop() implements Command {}

  /**
   * What was in flight at a stop has been written (local only: sent to itself): stop now, unless
   * messages that came meanwhile changed the call, which is then written down again.
   */
  public record InFlightWritten() implements Command {}

  /** Writes again the events a failed journal write lost (sent to itself after a restart). */
  public record RetryWrites() implements Command {}

  /**
   * The first message decides how the entity starts. An initial INVITE opens a call with a new,
   * globally unique Call-ID (RFC 3261 §8.1.1.4): nothing can be in the journal for it, so the
   * entity skips recovery, sparing one journal query per new call. Anything else (an in-dialog
   * request after a failover, a late retransmission) recovers the persisted dialog first.
   */
  public static Behavior<Command> create(
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
  private final String entityId;
  private final CallServices services;
  private final B2bua b2bua;
  private final ActorContext<Command> context;
  private final ActorRef<ClusterSharding.ShardCommand> shard;

  /*
   * A failed journal write (database down) restarts this behaviour with backoff; this instance,
   * its B2BUA and these fields survive the restart. The events of the failed write and the
   * sends waiting for them are kept here and written again once the journal answers.
   */
  /** Events handed to the journal and not confirmed yet. */
  private List<CallEvent> unconfirmed = List.of();
  /** Sends that wait for {@link #unconfirmed} to be durable (the 2xx that confirms a dialog). */
  private List<Runnable> waitingSends = List.of();
  /** The sequence number before {@link #unconfirmed}: tells after a restart whether they landed. */
  private long sequenceBeforeUnconfirmed;
  /** After a restart: {@link #unconfirmed} must be written again before anything new. */
  private boolean rewrite;
  /** Told to stop: writing down what is in flight before it does. */
  private boolean stopping;
  /** A message was handled since what was in flight was last written. */
  private boolean changedSinceWritten;
  /** The journal holds what this incarnation had in flight at its stop. */
  private boolean inFlightWritten;

  private CallEntity(
      String entityId,
      ActorContext<Command> context,
      TimerScheduler<Command> timers,
      ActorRef<ClusterSharding.ShardCommand> shard,
      CallServices services,
      boolean fresh) {
    super(PersistenceId.of(ENTITY_KEY.name(), entityId), services.settings().journalBackoff().strategy());
    this.fresh = fresh;
    this.entityId = entityId;
    this.services = services;
    this.context = context;
    this.shard = shard;
    ActorRef<GatewayCommand.SendFailed> failures =
        context.messageAdapter(GatewayCommand.SendFailed.class, TransportFailed::new);
    Effects effects = new Effects(new SchedulerTimers(timers), services.gateways(), failures);
    this.b2bua = new B2bua(entityId, services, effects, context.getLog());
  }

  @Override
  public PersistedCall emptyState() {
    return new PersistedCall.NoCall(false, null);
  }

  /** A new call has nothing to replay; an existing one never snapshots (a few events at most). */
  @Override
  public Recovery recovery() {
    return fresh
        ? Recovery.disabled()
        : Recovery.withSnapshotSelectionCriteria(SnapshotSelectionCriteria.none());
  }

  /**
   * Stop (after writing what a failed write lost), RetryWrites (only that write), and everything
   * else through the B2BUA, whose outcome is then persisted and sent.
   */
  @Override
  public CommandHandler<Command, CallEvent, PersistedCall> commandHandler() {
    return newCommandHandlerBuilder().forAnyState()
        .onCommand(Stop.class, (PersistedCall state, Stop stop) -> stop())
        .onCommand(InFlightWritten.class, (PersistedCall state, InFlightWritten w) ->
            changedSinceWritten ? stop() : wakeSuccessorAndStop())
        .onCommand(RetryWrites.class, (PersistedCall state, RetryWrites retry) ->
            apply(new Effects.Outcome(List.of(), List.of(), false)))
        .onAnyCommand((state, command) -> {
          changedSinceWritten |= stopping;
          return apply(handle(command));
        });
  }

  /**
   * Passivation or a hand-off to another node: what is in flight (a call being set up, a
   * transaction awaiting its answer) is written first, for the next incarnation to take over, as
   * are the events a failed write lost. Messages that reach the entity while that write runs are
   * stashed; they are handled once it is done (a stop right after the write would drop them, e.g.
   * the answer to the very request written down, which no peer sends twice), and what they
   * changed is written again before the entity stops.
   */
  private Effect<CallEvent, PersistedCall> stop() {
    stopping = true;
    changedSinceWritten = false;
    InFlight inFlight = null;
    try {
      inFlight = b2bua.inFlight();
    } catch (RuntimeException e) { // never keep a shard's hand-off waiting on a call we cannot write down
      context.getLog().error("call {}: could not write down what was in flight at its hand-off", persistenceId().id(), e);
    }
    List<CallEvent> events;
    if (inFlight != null) {
      context.getLog().info("call {}: handing off with {} transaction(s) in flight ({})", persistenceId().id(),
          inFlight.servers().size() + inFlight.clients().size(), inFlight.phase());
      events = List.of(new CallEvent.HandedOff(inFlight));
    } else if (inFlightWritten) {
      events = List.of(new CallEvent.Resumed()); // what was written is over: the next incarnation must not redo it
    } else {
      events = List.of();
    }
    inFlightWritten = inFlight != null;
    if (events.isEmpty() && !rewrite) {
      return Effect().stop();
    }
    return persist(events, List.of()).thenRun(s -> context.getSelf().tell(new InFlightWritten()));
  }

  /**
   * The next incarnation must run the timers of what was written (retransmissions, timeouts)
   * even if no peer sends it anything: a Wake through sharding, which holds it while the shard
   * moves and delivers it on the new node.
   */
  private Effect<CallEvent, PersistedCall> wakeSuccessorAndStop() {
    if (inFlightWritten) {
      services.wake().accept(entityId);
    }
    return Effect().stop();
  }

  private Effect<CallEvent, PersistedCall> apply(Effects.Outcome outcome) {
    if (outcome.passivate()) {
      shard.tell(new ClusterSharding.Passivate<>(context.getSelf()));
    }
    boolean confirmsDialog = outcome.events().stream().anyMatch(e -> e instanceof CallEvent.CallEstablished);
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

  /** Runs one command through the B2BUA; what it produced comes back as the outcome. */
  private Effects.Outcome handle(Command command) {
    try {
      if (command instanceof Inbound in) {
        services.admission().recordLag(System.currentTimeMillis() - in.receivedAtMillis());
        if (in.message() instanceof SIPRequest req) {
          b2bua.onRequest(req, in.flow());
        } else {
          b2bua.onResponse((SIPResponse) in.message());
        }
      } else if (command instanceof TimerFired t) {
        b2bua.onTimer(t.key());
      } else if (command instanceof TransportFailed f) {
        b2bua.onTransportFailure(f.failure());
      } else if (command instanceof Describe d) {
        d.replyTo().tell(b2bua.view());
      } else if (command instanceof HangUp h) {
        h.replyTo().tell(b2bua.hangUpByOperator(h.reason()));
      }
    } catch (Exception e) {
      // A message we cannot handle must not kill the call: log it with the call and go on.
      context.getLog().error("call {}: could not handle {}", persistenceId().id(), describe(command), e);
    }
    return b2bua.finish();
  }

  private static String describe(Command command) {
    if (command instanceof Inbound in) {
      return in.message().getFirstLine().trim() + " from " + in.flow();
    }
    return command.toString();
  }

  /** Persists {@code events} (after the ones a failed write lost), then runs {@code after}. */
  private EffectBuilder<CallEvent, PersistedCall> persist(List<CallEvent> events, List<Runnable> after) {
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
    long started = System.nanoTime();
    return Effect()
        .persist(events)
        .thenRun(s -> {
          services.metrics().journalWrite.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
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
  private void onRecovered(PersistedCall state) {
    b2bua.recovered(state);
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
  public EventHandler<PersistedCall, CallEvent> eventHandler() {
    return newEventHandlerBuilder().forAnyState().onAnyEvent(PersistedCall::apply);
  }

  @Override
  public SignalHandler<PersistedCall> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::onRecovered)
        .onSignal(PostStop.instance(), stopped -> b2bua.stopped())
        .build();
  }
}
