package io.sbc.node.cluster;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.remote.RemoteActorRefProvider;
import scala.Option;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent.CurrentClusterState;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Down;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Downs a member whose process is certainly gone, without waiting for the failure detector and
 * the Split Brain Resolver. Every interval it opens a TCP connection to each other member's
 * cluster (Artery TCP) port: a connection refused means nothing listens there any more, the
 * process died (kill -9, a crash, an OOM kill; a stopped or busy process still accepts). After
 * {@code refusals} refusals in a row the member is downed, by a node whose side still holds the
 * majority, so that a node cut off behind a firewall that rejects connections downs nobody.
 * Anything else (accepted, timed out, no route) leaves the decision to the SBR as before.
 */
final class DeadMemberProbe {
  private static final Logger log = LoggerFactory.getLogger(DeadMemberProbe.class);

  record Settings(Duration interval, Duration connectTimeout, int refusals) {}

  sealed interface Msg {}

  private record Tick() implements Msg {}

  private record Probed(Address member, Outcome outcome) implements Msg {}

  enum Outcome { ACCEPTED, REFUSED, UNKNOWN }

  private final Settings settings;
  private final Executor blocking;
  private final Cluster cluster;
  private final ActorContext<Msg> ctx;
  private final Map<Address, Integer> refusals = new HashMap<>();
  private final Set<Address> inFlight = new HashSet<>();
  private final Set<Address> downed = new HashSet<>();

  private DeadMemberProbe(Settings settings, Executor blocking, ActorContext<Msg> ctx) {
    this.settings = settings;
    this.blocking = blocking;
    this.cluster = Cluster.get(ctx.getSystem());
    this.ctx = ctx;
  }

  static Behavior<Msg> create(Settings settings, Executor blocking) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startTimerWithFixedDelay(new Tick(), settings.interval());
      DeadMemberProbe probe = new DeadMemberProbe(settings, blocking, ctx);
      return Behaviors.receive(Msg.class)
          .onMessage(Tick.class, t -> probe.tick())
          .onMessage(Probed.class, probe::probed)
          .build();
    }));
  }

  private Behavior<Msg> tick() {
    CurrentClusterState state = cluster.state();
    Address self = cluster.selfMember().address();
    Set<Address> counted = Quorum.counted(state);
    refusals.keySet().retainAll(counted);
    downed.retainAll(counted);
    for (Address member : counted) {
      if (!member.equals(self) && !downed.contains(member) && inFlight.add(member)) {
        ctx.pipeToSelf(CompletableFuture.supplyAsync(() -> connect(member), blocking),
            (outcome, failure) -> new Probed(member, failure == null ? outcome : Outcome.UNKNOWN));
      }
    }
    return Behaviors.same();
  }

  private Behavior<Msg> probed(Probed p) {
    inFlight.remove(p.member());
    if (p.outcome() != Outcome.REFUSED) {
      refusals.remove(p.member());
      return Behaviors.same();
    }
    int count = refusals.merge(p.member(), 1, Integer::sum);
    if (count < settings.refusals() || downed.contains(p.member())) {
      return Behaviors.same();
    }
    CurrentClusterState state = cluster.state();
    Set<Address> counted = Quorum.counted(state);
    Set<Address> alive = new HashSet<>(Quorum.reachable(state));
    refusals.forEach((member, n) -> {
      if (n >= settings.refusals()) {
        alive.remove(member);
      }
    });
    if (!counted.contains(p.member()) || !Quorum.holds(counted, alive)) {
      log.info("member {} refuses connections on its cluster port, but this node's side ({} of {}) is no majority: "
          + "leaving it to the split brain resolver", p.member(), alive.size(), counted.size());
      return Behaviors.same();
    }
    downed.add(p.member());
    log.warn("member {} is gone: its cluster port refused {} connections in a row; downing it now", p.member(), count);
    cluster.manager().tell(new Down(p.member()));
    quarantine(state, p.member());
    return Behaviors.same();
  }

  /**
   * The leader removes a downed member only once it is unreachable or terminated, which for a
   * dead process would wait for the failure detector. Quarantining its incarnation is what
   * Pekko's remoting does with a member it knows is gone: the cluster marks it terminated and
   * removes it at the next leader tick, so its shards move at once.
   */
  private void quarantine(CurrentClusterState state, Address address) {
    for (Member m : state.getMembers()) {
      if (m.address().equals(address)
          && Adapter.toClassic(ctx.getSystem()) instanceof ExtendedActorSystem classic
          && classic.provider() instanceof RemoteActorRefProvider remote) {
        remote.quarantine(address, Option.apply((Object) m.uniqueAddress().longUid()),
            "its process is gone (cluster port refused connections)");
      }
    }
  }

  private Outcome connect(Address member) {
    String host = member.getHost().orElse(null);
    Integer port = member.getPort().orElse(null);
    if (host == null || port == null) {
      return Outcome.UNKNOWN;
    }
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress(host, port), (int) settings.connectTimeout().toMillis());
      return Outcome.ACCEPTED;
    } catch (ConnectException e) {
      // "Connection refused" is a RST from the host: no listener. A timeout is no proof of anything.
      String message = e.getMessage() == null ? "" : e.getMessage();
      return message.contains("refused") ? Outcome.REFUSED : Outcome.UNKNOWN;
    } catch (IOException | RuntimeException e) {
      return Outcome.UNKNOWN;
    }
  }
}
