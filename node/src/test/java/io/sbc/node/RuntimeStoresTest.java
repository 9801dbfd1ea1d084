package io.sbc.node;

import static io.sbc.node.replicated.TestCluster.await;
import static io.sbc.node.replicated.TestCluster.awaitUp;
import static io.sbc.node.replicated.TestCluster.done;
import static io.sbc.node.replicated.TestCluster.doneRepeating;
import static io.sbc.node.replicated.TestCluster.freePort;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sbc.node.config.SbcSettings.RefreshMethod;
import io.sbc.node.config.SbcSettings.SessionTimerSettings;
import io.sbc.node.policy.MidcallPolicy;
import io.sbc.node.policy.PolicyStore;
import io.sbc.node.replicated.TestCluster;
import io.sbc.node.routing.RouteStore;
import io.sbc.node.routing.RouteTable;
import io.sbc.node.routing.RouteTable.NextHop;
import io.sbc.node.sessiontimer.SessionTimerJson;
import io.sbc.node.sessiontimer.SessionTimerStore;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.ddata.LWWRegister;
import org.apache.pekko.cluster.ddata.LWWRegisterKey;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The route table and session-timer stores as Main runs them, beside the policy store, on a real
 * two-node cluster in this JVM: a change on one node is seen on the other, a partial session-timer
 * change keeps the rest and is refused whole when invalid, everything comes back from LMDB after a
 * restart of the whole cluster before {@code loaded()} completes, and text a newer version wrote is
 * ignored.
 */
class RuntimeStoresTest {
  private static final long VISIBLE_WITHIN_MS = 5_000;
  private static final RouteTable CONFIGURED = new RouteTable(List.of(), NextHop.parse("sip:127.0.0.1:5070"));
  private static final RouteTable RUNTIME = new RouteTable(List.of(
      new RouteTable.Route("uk", "44", "", NextHop.parse("sip:10.0.0.1:5080;transport=tcp"), Optional.of(MidcallPolicy.BLOCK))),
      NextHop.parse("sip:10.0.0.2:5090"));
  private static final SessionTimerSettings TIMERS =
      new SessionTimerSettings(true, Duration.ofSeconds(1800), Duration.ofSeconds(90), RefreshMethod.INVITE);

  private TestCluster cluster;

  @BeforeEach
  void createCluster() throws Exception {
    cluster = new TestCluster("stores");
  }

  @AfterEach
  void stopAll() throws Exception {
    cluster.close();
  }

  private static SessionTimerSettings timers(boolean enabled, long sessionExpires, long minSe) {
    return new SessionTimerSettings(enabled, Duration.ofSeconds(sessionExpires), Duration.ofSeconds(minSe),
        RefreshMethod.INVITE);
  }

  private static SessionTimerJson.Change change(Long sessionExpires, Long minSe) {
    return new SessionTimerJson.Change(Optional.empty(), Optional.ofNullable(sessionExpires), Optional.ofNullable(minSe));
  }

  @Test
  void changesOnOneNodeAreSeenOnTheOther() throws Exception {
    int p1 = freePort();
    int p2 = freePort();
    ActorSystem<Void> n1 = cluster.node(p1, p1);
    ActorSystem<Void> n2 = cluster.node(p2, p1);
    awaitUp(n1, 2);
    awaitUp(n2, 2);
    RouteStore routes1 = RouteStore.start(n1, CONFIGURED);
    RouteStore routes2 = RouteStore.start(n2, CONFIGURED);
    SessionTimerStore timers1 = SessionTimerStore.start(n1, TIMERS);
    SessionTimerStore timers2 = SessionTimerStore.start(n2, TIMERS);
    assertEquals(CONFIGURED, routes2.get());
    assertEquals(TIMERS, timers1.get());

    doneRepeating(() -> routes1.replace(RUNTIME));
    long took = await("runtime table on node 2", routes2::get, RUNTIME, VISIBLE_WITHIN_MS);
    System.out.printf("RuntimeStoresTest: route table visible on node 2 after %d ms%n", took);
    assertEquals(Optional.of(RUNTIME), routes2.runtime());
    assertEquals(CONFIGURED, routes2.configured());

    assertEquals(timers(true, 600, 90), done(timers2.change(change(600L, null))));
    await("session-expires 600 on node 1", timers1::get, timers(true, 600, 90), VISIBLE_WITHIN_MS);
    // A change of min-se alone keeps the session-expires set before, whichever node takes it.
    await("node 1's replica", () -> timers1.runtime().isPresent(), true, VISIBLE_WITHIN_MS);
    assertEquals(timers(true, 600, 120), done(timers1.change(change(null, 120L))));
    await("min-se 120 on node 2", timers2::get, timers(true, 600, 120), VISIBLE_WITHIN_MS);

    // Invalid against the settings in force: refused whole, nothing written.
    ExecutionException refused = assertThrows(ExecutionException.class,
        () -> timers2.change(change(null, 900L)).toCompletableFuture().get(10, TimeUnit.SECONDS));
    assertTrue(refused.getCause() instanceof IllegalArgumentException, refused.toString());
    assertEquals("session-timer: session-expires 600 s (in force) is below min-se 900 s; session-expires must be at "
        + "least min-se", refused.getCause().getMessage());
    Thread.sleep(1_200); // two notification intervals: nothing may arrive
    assertEquals(timers(true, 600, 120), timers1.get());
    assertEquals(timers(true, 600, 120), timers2.get());

    done(routes2.reset());
    await("configured table on node 1", routes1::get, CONFIGURED, VISIBLE_WITHIN_MS);
    assertEquals(Optional.empty(), routes1.runtime());
    done(timers1.reset());
    await("configured timers on node 2", timers2::get, TIMERS, VISIBLE_WITHIN_MS);
  }

  @Test
  void everythingIsBackFromDiskBeforeLoadedCompletes() throws Exception {
    int p1 = freePort();
    ActorSystem<Void> n1 = cluster.node(p1, p1);
    awaitUp(n1, 1);
    PolicyStore policy = PolicyStore.start(n1);
    RouteStore routes = RouteStore.start(n1, CONFIGURED);
    SessionTimerStore timers = SessionTimerStore.start(n1, TIMERS);
    done(policy.loaded());
    done(routes.loaded());
    done(timers.loaded());
    assertEquals(Optional.empty(), routes.runtime(), "nothing stored yet");
    done(policy.setGlobal(MidcallPolicy.NONE));
    done(routes.replace(RUNTIME));
    done(timers.change(new SessionTimerJson.Change(Optional.of(false), Optional.of(300L), Optional.of(60L))));
    TestCluster.stop(n1);

    ActorSystem<Void> again = cluster.node(p1, p1); // same port, same LMDB directory
    awaitUp(again, 1);
    PolicyStore policy2 = PolicyStore.start(again);
    RouteStore routes2 = RouteStore.start(again, CONFIGURED);
    SessionTimerStore timers2 = SessionTimerStore.start(again, TIMERS);
    done(policy2.loaded());
    done(routes2.loaded());
    done(timers2.loaded());
    // No waiting beyond loaded(): Main opens the SIP sockets right after it.
    assertEquals(Optional.of(MidcallPolicy.NONE), policy2.global());
    assertEquals(RUNTIME, routes2.get());
    assertEquals(timers(false, 300, 60), timers2.get());
  }

  @Test
  void textANewerVersionWroteIsIgnored() throws Exception {
    int port = freePort();
    ActorSystem<Void> n = cluster.node(port, port);
    awaitUp(n, 1);
    RouteStore routes = RouteStore.start(n, CONFIGURED);
    done(routes.replace(RUNTIME));
    await("runtime table", routes::get, RUNTIME, VISIBLE_WITHIN_MS);

    rawSet(n, "sbc-route-table", "{\"routes\": [], \"weights\": [1, 2]}");
    Thread.sleep(1_200); // the subscriber has seen it by now
    assertEquals(RUNTIME, routes.get(), "an unreadable table is logged and the previous one stays");
    done(routes.replace(CONFIGURED));
    await("a readable table again", routes::get, CONFIGURED, VISIBLE_WITHIN_MS);
  }

  /** Writes the register's text directly, as another version of the node could. */
  private static void rawSet(ActorSystem<?> system, String key, String text) throws Exception {
    AskPattern.<Replicator.Command, Replicator.UpdateResponse<LWWRegister<String>>>ask(
            DistributedData.get(system).replicator(),
            replyTo -> new Replicator.Update<>(LWWRegisterKey.<String>create(key),
                LWWRegister.create(DistributedData.get(system).selfUniqueAddress(), ""), Replicator.writeLocal(), replyTo,
                r -> r.withValue(DistributedData.get(system).selfUniqueAddress(), text)),
            Duration.ofSeconds(5), system.scheduler())
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
