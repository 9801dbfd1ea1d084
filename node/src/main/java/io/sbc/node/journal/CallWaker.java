package io.sbc.node.journal;

import com.typesafe.config.Config;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings established calls back to life without waiting for a SIP message: after a node is
 * removed from the cluster (its calls' entities died with it) and once after this node starts
 * (a whole-cluster restart), the cluster leader reads from the journal every call that was
 * established and has not ended, and wakes each (the node sends it a {@code CallEntity.Wake}). Sharding starts the
 * entity on its new home; it recovers and re-arms its session timer at the persisted deadline,
 * so expiry BYEs and the SBC's refreshes happen even for calls nobody talks on. A live entity
 * ignores the Wake. This replaces remember-entities, which would cost two extra writes per call.
 */
public final class CallWaker {
  private static final Logger log = LoggerFactory.getLogger(CallWaker.class);
  private static final String ACTIVE_CALLS =
      "SELECT DISTINCT e.\"persistence_id\" FROM \"event_journal\" e"
          + " WHERE e.\"event_ser_manifest\" IN (?, ?) AND NOT EXISTS (SELECT 1 FROM \"event_journal\" x"
          + " WHERE x.\"persistence_id\" = e.\"persistence_id\" AND x.\"event_ser_manifest\" IN (?, ?))";
  private static final int BATCH = 200;
  private static final long BATCH_PAUSE_MILLIS = 50;

  private final String url;
  private final String user;
  private final String password;
  private final Consumer<String> wake;
  private final LongConsumer woken;
  private final ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "sbc-call-waker");
    t.setDaemon(true);
    return t;
  });

  CallWaker(String url, String user, String password, Consumer<String> wake, LongConsumer woken) {
    this.url = url;
    this.user = user;
    this.password = password;
    this.wake = wake;
    this.woken = woken;
  }

  /** Entity ids of calls established and not ended, per the journal. */
  List<String> activeCalls() throws SQLException {
    List<String> ids = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(url, user, password);
        PreparedStatement st = c.prepareStatement(ACTIVE_CALLS)) {
      st.setString(1, EventManifests.ESTABLISHED.get(0));
      st.setString(2, EventManifests.ESTABLISHED.get(1));
      st.setString(3, EventManifests.ENDED.get(0));
      st.setString(4, EventManifests.ENDED.get(1));
      try (ResultSet rs = st.executeQuery()) {
        while (rs.next()) {
          String pid = rs.getString(1);
          ids.add(pid.substring(pid.indexOf('|') + 1));
        }
      }
    }
    return ids;
  }

  /** Wakes every active call, in batches so that a large cluster's recoveries do not all collide. */
  void sweep(String why) {
    executor.execute(() -> {
      try {
        List<String> ids = activeCalls();
        log.info("waking {} established calls ({})", ids.size(), why);
        for (int i = 0; i < ids.size(); i++) {
          wake.accept(ids.get(i));
          if ((i + 1) % BATCH == 0) {
            Thread.sleep(BATCH_PAUSE_MILLIS);
          }
        }
        woken.accept(ids.size());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (SQLException | RuntimeException e) {
        log.warn("could not wake the established calls ({}): {}", why, e.getMessage());
      }
    });
  }

  public void close() {
    executor.shutdownNow();
  }

  /**
   * Starts the waker on this node: it sweeps after a member is removed (see {@link
   * #afterRemoval}) and once {@code afterStart} after start-up, each time only if this node is
   * the cluster leader.
   */
  public static CallWaker start(ActorSystem<?> system, Consumer<String> wake,
      String url, String user, String password, Duration afterStart, Duration removalMargin, LongConsumer woken) {
    CallWaker waker = new CallWaker(url, user, password, wake, woken);
    system.systemActorOf(waker.watcher(afterStart, afterRemoval(removalMargin)), "call-waker", Props.empty());
    return waker;
  }

  /** How long shards of a removed node wait before moving (see {@code SbcDowningProvider}). */
  public static Duration removalMargin(Config config) {
    return config.getDuration("sbc.cluster.down-removal-margin");
  }

  /**
   * When to sweep after a removal. The shard coordinator hands a removed node's shards out only
   * after the cluster's down-removal margin (sbc.cluster.down-removal-margin), so that a downed
   * minority has stopped its entities first; until then a Wake sent to a region that still caches
   * the dead home is lost. So: a second after the margin (regions drop a dead home when they see its region terminate), and again later for whatever that missed
   * (waking a live entity costs one message).
   */
  static Duration[] afterRemoval(Duration removalMargin) {
    return new Duration[] {removalMargin.plusSeconds(1), removalMargin.plusSeconds(10)};
  }

  private sealed interface Msg {}

  private record Removed(ClusterEvent.MemberRemoved event) implements Msg {}

  private record Sweep(String why) implements Msg {}

  private Behavior<Msg> watcher(Duration afterStart, Duration[] afterRemoval) {
    return Behaviors.setup(ctx -> {
      Cluster cluster = Cluster.get(ctx.getSystem());
      cluster.subscriptions().tell(Subscribe.create(
          ctx.messageAdapter(ClusterEvent.MemberRemoved.class, Removed::new), ClusterEvent.MemberRemoved.class));
      return Behaviors.withTimers(timers -> {
        timers.startSingleTimer("start-up", new Sweep("start-up"), afterStart);
        return Behaviors.receive(Msg.class)
            .onMessage(Removed.class, r -> {
              String why = "member " + r.event().member().address() + " removed";
              for (int i = 0; i < afterRemoval.length; i++) {
                timers.startSingleTimer(why + "#" + i, new Sweep(why), afterRemoval[i]);
              }
              return Behaviors.same();
            })
            .onMessage(Sweep.class, s -> {
              if (isLeader(cluster)) { // decided when the sweep runs, among the survivors
                sweep(s.why());
              }
              return Behaviors.same();
            })
            .build();
      });
    });
  }

  private static boolean isLeader(Cluster cluster) {
    Address leader = cluster.state().getLeader();
    return leader != null && leader.equals(cluster.selfMember().address());
  }
}
