package io.sbc.node.transaction;

import io.sbc.gateway.Flow;
import io.sbc.gateway.GatewayCommand;
import io.sbc.node.dialog.CallEvent;
import io.sbc.node.gateways.LiveGateways;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * What handling one message of a call produces: events to persist, messages to send (the entity
 * sends them after the persist when they confirm a dialog) and timers. The parts of a call record
 * their effects here and nowhere else. Timers take effect at once (they are local to the
 * entity); events and sends are collected until {@link #drain}.
 */
public final class Effects {
  /** Events and sends of one message, for the entity to persist and run. */
  public record Outcome(List<CallEvent> events, List<Runnable> sends, boolean passivate) {}

  private final CallTimers timers;
  private final LiveGateways gateways;
  private final ActorRef<GatewayCommand.SendFailed> failures;
  private List<CallEvent> events = new ArrayList<>(1);
  private List<Runnable> sends = new ArrayList<>(4);
  private boolean passivate;

  public Effects(CallTimers timers, LiveGateways gateways, ActorRef<GatewayCommand.SendFailed> failures) {
    this.timers = timers;
    this.gateways = gateways;
    this.failures = failures;
  }

  public void persist(CallEvent event) {
    events.add(event);
  }

  /**
   * Sends {@code bytes} on {@code flow} (re-homed when its gateway is gone); a send failure comes
   * back to the call with {@code tag} (null: nobody needs to know).
   */
  public void send(Flow flow, byte[] bytes, ClientTransaction.Key tag) {
    Flow out = gateways.route(flow);
    GatewayCommand.Send cmd = new GatewayCommand.Send(out, bytes, tag == null ? null : tagOf(tag),
        tag == null ? null : failures);
    sends.add(() -> out.gateway().tell(cmd));
  }

  /** The tag a gateway returns with a failed send: the client transaction's key, as text. */
  public static String tagOf(ClientTransaction.Key key) {
    return key.branch() + "|" + key.method();
  }

  /** The client transaction a failed send's tag names (null: none). */
  public static ClientTransaction.Key keyOfTag(String tag) {
    int bar = tag == null ? -1 : tag.lastIndexOf('|');
    return bar < 0 ? null : new ClientTransaction.Key(tag.substring(0, bar), tag.substring(bar + 1));
  }

  public void startTimer(TimerKey key, Duration delay) {
    timers.start(key, delay);
  }

  public void cancelTimer(TimerKey key) {
    timers.cancel(key);
  }

  public boolean timerActive(TimerKey key) {
    return timers.active(key);
  }

  public void cancelAllTimers() {
    timers.cancelAll();
  }

  /** The entity should passivate (its linger time is over). */
  public void passivate() {
    passivate = true;
  }

  /** What was recorded since the last drain; starts a new, empty record. */
  public Outcome drain() {
    Outcome out = new Outcome(events, sends, passivate);
    events = new ArrayList<>(1);
    sends = new ArrayList<>(4);
    passivate = false;
    return out;
  }
}
