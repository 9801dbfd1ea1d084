package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The rolling-upgrade drill: three nodes on PostgreSQL carry a steady load of long calls with
 * session refreshes, spread over the three gateways, while every node in turn is drained (as a
 * Kubernetes preStop would), told to leave (SIGTERM; node 2 by {@code DELETE} on its member over
 * HTTP) and started again, a fresh JVM on its old addresses. The test plays the front too: it polls each node's {@code /ready} and stops sending
 * new calls to a node that is not ready, as a balancer would; a caller whose INVITE still meets
 * the draining 503 tries the next node once. During the drill an operator hangs a call up over
 * HTTP while a node is away and changes the cluster-wide policy, which every node, the restarted
 * ones included, must show. Goal: no established call dropped, no call attempt failed.
 *
 * <p>Sized for CI by default; {@code -Ddrill.rate} and {@code -Ddrill.hold} run it at drill size and
 * {@code -Ddrill.report} writes its report. The drill behind the front, with plots, is
 * {@code loadtests/sbc-load rolling-upgrade}.
 */
class RollingUpgradeIT {
  /** New calls per second over all three gateways. */
  private static final int RATE = Integer.getInteger("drill.rate", 15);
  /** How long each call is held (s): long enough to be refreshed and to span a restart. */
  private static final int HOLD_S = Integer.getInteger("drill.hold", 30);
  private static final String REPORT = System.getProperty("drill.report", "");
  private static final String TOKEN = "rolling-drill-token";
  private static final List<NodeProcess> nodes = new ArrayList<>();
  private static PostgresServer pg;

  @AfterAll
  static void stopCluster() throws Exception {
    for (NodeProcess n : nodes) {
      n.close();
    }
    if (pg != null) {
      pg.close();
    }
  }

  /** What happened to one node in the drill. */
  private record Restart(int node, long drainedToUnready, long leftMs, int exit, long backReadyMs, long settledMs,
      List<Long> shards) {}

  @Test
  void restartingEveryNodeInTurnDropsNoCallAndFailsNoAttempt() throws Exception {
    pg = PostgresServer.start("rolling");
    int uasPort = Ports.free();
    String hop = "sip:127.0.0.1:" + uasPort;
    int[] clusterPorts = new int[3];
    StringBuilder seeds = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      clusterPorts[i] = Ports.free();
      seeds.append(i == 0 ? "" : ",").append("127.0.0.1:").append(clusterPorts[i]);
    }
    String config = PostgresJournalIT.journalConfig(pg.jdbcUrl())
        + "sbc.cluster.seed-nodes = \"" + seeds + "\"\n"
        + "sbc.call.linger = 2s\n"
        + "sbc.http.admin-token = \"" + TOKEN + "\"\n"
        // the SBC refreshes both legs (UPDATE, answered by callers and callee) every 10 s
        + "sbc.session-timer { session-expires = 20s, min-se = 10s }\n"
        + NodeProcess.REBALANCE_AT_ONCE;
    for (int i = 0; i < 3; i++) {
      nodes.add(NodeProcess.start("rolling-" + (i + 1), hop, config, clusterPorts[i]));
    }
    nodes.get(0).awaitUpMembers(3);
    warmUp(uasPort);

    long drillStart = System.currentTimeMillis();
    List<Restart> restarts = new ArrayList<>();
    List<String> operator = new ArrayList<>();
    int[] controlPorts = {Ports.free(), Ports.free(), Ports.free()};
    List<Sipp> callers = new ArrayList<>();
    try (Sipp uas = Sipp.start("uas-rolling", "drill_uas_failover.xml", "u1", uasPort,
            "-default_behaviors", "all,-abortunexp", "-timeout", "900s");
        Sipp victim = Sipp.start("uac-rolling-victim", "timer_uac_wait_bye.xml", "u1", Ports.free(), "-m", "1",
            "-aa", "127.0.0.1:" + nodes.get(2).sipPort)) {
      for (int i = 0; i < 3; i++) {
        callers.add(Sipp.start("uac-rolling-" + (i + 1), "drill_uac_rolling.xml", "u1", Ports.free(),
            "-aa", "-cp", Integer.toString(controlPorts[i]), "-r", Integer.toString(RATE), "-rp", "3000",
            "-l", Integer.toString(RATE * (HOLD_S + 30)), "-default_behaviors", "all,-abortunexp",
            "-trace_rtt", "-rtt_freq", "1", "-timeout", "900s",
            // RFC 3261 timers B and F: a caller retransmits for 32 s, not SIPp's default 5 times
            "-max_invite_retrans", "6", "-max_non_invite_retrans", "11",
            "-set", "hold_ms", Long.toString(HOLD_S * 1000L),
            "-set", "alt_port", Integer.toString(nodes.get((i + 1) % 3).sipPort),
            "127.0.0.1:" + nodes.get(i).sipPort));
      }
      try (Front front = Front.start(nodes, controlPorts)) {
        String victimCall = awaitCall("1-" + victim.pid() + "@127.0.0.1");
        Thread.sleep(Math.min(HOLD_S, 15) * 1000L); // calls pile up before the first restart
        for (int k = 0; k < 3; k++) {
          restarts.add(restart(k, hop, config, clusterPorts[k], front, operator, victimCall));
          Thread.sleep(5000);
        }
        for (int port : controlPorts) {
          Sipp.control(port, "q"); // no new calls; exit once the running ones are over
        }
        int victimExit = victim.await(30);
        List<Integer> exits = new ArrayList<>();
        for (Sipp c : callers) {
          exits.add(c.await(HOLD_S + 120L));
        }
        long drillMs = System.currentTimeMillis() - drillStart;
        String report = report(callers, restarts, operator, front, drillMs);
        System.out.println(report);
        if (!REPORT.isEmpty()) {
          Path out = Path.of(REPORT);
          Files.createDirectories(out.toAbsolutePath().getParent());
          Files.writeString(out, report);
        }
        String why = report + "\n" + diagnostics(callers, uas);
        assertEquals(0, victimExit, "the call hung up over HTTP got its BYE\n" + victim.diagnostics());
        for (Sipp c : callers) {
          assertEquals(0, c.stat("FailedCall(C)"), why);
          assertTrue(c.stat("SuccessfulCall(C)") > 0, why);
        }
        assertEquals(List.of(0, 0, 0), exits, why);
      } finally {
        for (Sipp c : callers) {
          c.close();
        }
      }
    }
  }

  /**
   * Node {@code k}: drained over HTTP (the front sees {@code /ready} false and stops sending it
   * calls), stopped with SIGTERM, started again on its ports, shards settled. The operator's
   * actions ride on the restarts: the victim call is hung up while node 1 is away, the policy is
   * changed once node 1 is back and must show on the node restarted after it.
   */
  private static Restart restart(int k, String hop, String config, int clusterPort, Front front,
      List<String> operator, String victimCall) throws Exception {
    NodeProcess old = nodes.get(k);
    long t0 = System.currentTimeMillis();
    assertEquals(200, ManagementHttp.call(old, "POST", "/sbc/drain", TOKEN, null).statusCode());
    front.awaitPaused(k, Duration.ofSeconds(5));
    long unready = System.currentTimeMillis() - t0;
    Thread.sleep(1000); // what was sent before the front noticed reaches the node
    long termAt = System.currentTimeMillis();
    if (k == 1) {
      // told to leave over HTTP instead of SIGTERM: Pekko Management's member route, behind the token
      String member = "/cluster/members/pekko://sbc@127.0.0.1:" + old.clusterPort;
      assertEquals(401, ManagementHttp.call(nodes.get(0), "DELETE", member, "wrong", null).statusCode());
      var leave = ManagementHttp.call(nodes.get(0), "DELETE", member, TOKEN, null);
      assertEquals(200, leave.statusCode(), leave.body());
      operator.add("node 2 told to leave with DELETE " + member + " on node 1: " + leave.body());
    } else {
      old.signal("TERM");
    }
    int exit = old.awaitExit(30);
    long left = System.currentTimeMillis() - termAt;
    if (k == 0) {
      NodeProcess other = nodes.get(1);
      var hungUp = ManagementHttp.call(other, "DELETE", "/sbc/calls/" + victimCall, TOKEN, null);
      operator.add("DELETE /sbc/calls/" + victimCall + " on node 2 while node 1 was away: " + hungUp.statusCode()
          + " " + hungUp.body());
      assertEquals(200, hungUp.statusCode(), hungUp.body());
    }
    NodeProcess fresh = NodeProcess.start("rolling-" + (k + 1) + "b", hop, config, clusterPort, old.sipPort,
        old.httpPort);
    nodes.set(k, fresh);
    long back = System.currentTimeMillis() - termAt;
    List<Long> shards = NodeProcess.awaitBalancedShards(nodes);
    long settled = System.currentTimeMillis() - termAt;
    if (k == 0) {
      var put = writeRepeated(nodes.get(1), "PUT", "/sbc/policy", "{\"policy\": \"block\"}", operator);
      assertEquals(200, put.statusCode(), put.body());
      for (NodeProcess n : nodes) {
        ManagementHttp.awaitBody(n, "/sbc/policy", "block", Duration.ofSeconds(5));
      }
      operator.add("PUT /sbc/policy block on node 2: seen on all three nodes");
    } else if (k == 1) {
      ManagementHttp.awaitBody(fresh, "/sbc/policy", "block", Duration.ofSeconds(5));
      operator.add("node 2, restarted after the change, shows policy block");
      changeRoutes(hop, fresh, operator);
      var cleared = writeRepeated(fresh, "DELETE", "/sbc/policy", null, operator);
      assertEquals(200, cleared.statusCode(), cleared.body());
      operator.add("DELETE /sbc/policy on node 2 (back to the configured passthru)");
    } else {
      ManagementHttp.awaitBody(fresh, "/sbc/policy", "passthru", Duration.ofSeconds(5));
      ManagementHttp.awaitBody(fresh, "/sbc/routes", "\"name\":\"drill\"", Duration.ofSeconds(5));
      operator.add("node 3, restarted after the changes, shows passthru and the route table with route 'drill'");
      var configured = writeRepeated(fresh, "DELETE", "/sbc/routes", null, operator);
      assertEquals(200, configured.statusCode(), configured.body());
      for (NodeProcess n : nodes) {
        ManagementHttp.awaitBody(n, "/sbc/routes", "\"source\":\"config\"", Duration.ofSeconds(5));
      }
      operator.add("DELETE /sbc/routes on node 3: every node back to the configured table");
    }
    return new Restart(k + 1, unready, left, exit, back, settled, shards);
  }

  /**
   * The route table replaced on node 1 while the calls run: every node shows it, and a new call
   * through the node restarted last (user "drill...") is routed over the new route.
   */
  private static void changeRoutes(String hop, NodeProcess via, List<String> operator) throws Exception {
    String table = "{\"routes\": [{\"name\": \"drill\", \"user-prefix\": \"drill\", \"next-hop\": \"" + hop + "\"}]}";
    var put = writeRepeated(nodes.get(0), "PUT", "/sbc/routes", table, operator);
    assertEquals(200, put.statusCode(), put.body());
    for (NodeProcess n : nodes) {
      ManagementHttp.awaitBody(n, "/sbc/routes", "\"name\":\"drill\"", Duration.ofSeconds(5));
    }
    try (Sipp probe = Sipp.start("uac-rolling-route", "drill_uac_rolling.xml", "u1", Ports.free(), "-s", "drill7",
        "-m", "1", "-aa", "-set", "hold_ms", "20000", "-set", "alt_port", Integer.toString(via.sipPort),
        "127.0.0.1:" + via.sipPort)) {
      String id = awaitCall("1-" + probe.pid() + "@127.0.0.1");
      ManagementHttp.awaitBody(nodes.get(2), "/sbc/calls/" + id, "\"route\":\"drill\"", Duration.ofSeconds(5));
      assertEquals(0, probe.await(60), probe.diagnostics());
    }
    operator.add("PUT /sbc/routes (route 'drill') on node 1: seen on all three nodes; a new call through node 2 took it");
  }

  /**
   * A cluster-wide write as an operator makes it: a 503 says a majority did not confirm it in time
   * (a loaded cluster, a node just back) and to repeat it, which is done at most twice, noted in
   * the report.
   */
  private static java.net.http.HttpResponse<String> writeRepeated(NodeProcess n, String method, String path,
      String body, List<String> operator) throws Exception {
    var r = ManagementHttp.call(n, method, path, TOKEN, body);
    for (int i = 0; i < 2 && r.statusCode() == 503; i++) {
      operator.add(method + " " + path + " answered 503 (" + r.body() + "); repeated");
      r = ManagementHttp.call(n, method, path, TOKEN, body);
    }
    return r;
  }

  /** Short calls through every gateway, so that the measured ones meet warm nodes. */
  private static void warmUp(int uasPort) throws Exception {
    Sipp.warmUp("rolling", nodes, uasPort, 20);
    Thread.sleep(3000);
  }

  private static final Pattern CALL_ENTRY = Pattern.compile("\\{\"id\":\"([^\"]+)\"[^}]*\"a\":\"([^\"]+)\"");

  /** The entity id of the call whose A-leg has {@code aCallId}, from the cluster-wide listing (every page). */
  private static String awaitCall(String aCallId) throws Exception {
    long end = System.currentTimeMillis() + 30_000;
    String last = "";
    while (System.currentTimeMillis() < end) {
      for (int offset = 0; offset < 100_000; offset += 1000) {
        last = ManagementHttp.call(nodes.get(0), "GET", "/sbc/calls?cluster=true&limit=1000&offset=" + offset, null,
            null).body();
        Matcher m = CALL_ENTRY.matcher(last);
        boolean any = false;
        while (m.find()) {
          any = true;
          if (m.group(2).equals(aCallId)) {
            return m.group(1);
          }
        }
        if (!any) {
          break;
        }
      }
      Thread.sleep(250);
    }
    throw new AssertionError("call " + aCallId + " never listed; last page: "
        + last.substring(0, Math.min(300, last.length())));
  }

  private static String report(List<Sipp> callers, List<Restart> restarts, List<String> operator, Front front,
      long drillMs) throws Exception {
    StringBuilder r = new StringBuilder();
    r.append("# Rolling-upgrade drill, ").append(Instant.now()).append("\n\n");
    r.append(String.format("3 nodes on PostgreSQL, %d new calls/s over the three gateways, calls held %d s with "
        + "session refreshes every 10 s (UPDATE) on both legs; every node drained, told to leave (SIGTERM; node 2 over HTTP) and started "
        + "again on its addresses in turn. Drill time %.0f s.%n%n", RATE, HOLD_S, drillMs / 1000.0));
    r.append("| gateway | calls placed | completed | failed | retried after 503 | setup p50 / max (ms) "
        + "| BYE p50 / max (ms) |\n|---|---|---|---|---|---|---|\n");
    long maxGap = 0;
    for (int i = 0; i < callers.size(); i++) {
      Sipp c = callers.get(i);
      List<Long> setup = new ArrayList<>(c.responseTimes(1));
      List<Long> bye = new ArrayList<>(c.responseTimes(2));
      Collections.sort(setup);
      Collections.sort(bye);
      long retried = c.logLines().stream().filter(l -> l.startsWith("retried-503 ")).count();
      maxGap = Math.max(maxGap, Math.max(last(setup), last(bye)));
      r.append(String.format("| node %d | %d | %d | %d | %d | %d / %d | %d / %d |%n", i + 1,
          c.stat("OutgoingCall(C)"), c.stat("SuccessfulCall(C)"), c.stat("FailedCall(C)"), retried,
          median(setup), last(setup), median(bye), last(bye)));
    }
    r.append("\n| node | drain → /ready false (ms) | leave → exit (ms) | exit status | leave → back and ready (ms) "
        + "| leave → shards settled (ms) | shards after |\n|---|---|---|---|---|---|---|\n");
    for (Restart s : restarts) {
      r.append(String.format("| %d | %d | %d | %d | %d | %d | %s |%n", s.node(), s.drainedToUnready(), s.leftMs(),
          s.exit(), s.backReadyMs(), s.settledMs(), s.shards()));
    }
    r.append(String.format("%nLongest gap in service (slowest call setup or BYE answer): %d ms.%n", maxGap));
    r.append("\nThe front (the test polling /ready every 200 ms):\n\n");
    front.events().forEach(e -> r.append("- ").append(e).append('\n'));
    r.append("\nOperator actions during the drill:\n\n");
    operator.forEach(o -> r.append("- ").append(o).append('\n'));
    return r.toString();
  }

  private static long median(List<Long> sorted) {
    return sorted.isEmpty() ? 0 : sorted.get(sorted.size() / 2);
  }

  private static long last(List<Long> sorted) {
    return sorted.isEmpty() ? 0 : sorted.get(sorted.size() - 1);
  }

  private static String diagnostics(List<Sipp> callers, Sipp uas) {
    StringBuilder sb = new StringBuilder();
    callers.forEach(c -> sb.append(c.diagnostics()));
    sb.append(uas.diagnostics());
    for (int i = 0; i < nodes.size(); i++) {
      sb.append("\n--- node ").append(i + 1).append('\n').append(nodes.get(i).tail());
    }
    return sb.toString();
  }

  /**
   * What a balancer in front of the cluster does, in miniature: polls each node's {@code /ready}
   * every 200 ms and pauses the SIPp caller of a node that is not ready (SIPp's remote control),
   * resuming it once the node is ready again.
   */
  static final class Front implements AutoCloseable {
    private final List<NodeProcess> nodes;
    private final int[] controlPorts;
    private final boolean[] paused;
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());
    private final Thread thread;
    private final long start = System.currentTimeMillis();
    private volatile boolean running = true;

    private Front(List<NodeProcess> nodes, int[] controlPorts) {
      this.nodes = nodes;
      this.controlPorts = controlPorts;
      this.paused = new boolean[controlPorts.length];
      this.thread = new Thread(this::run, "drill-front");
      thread.setDaemon(true);
    }

    static Front start(List<NodeProcess> nodes, int[] controlPorts) {
      Front f = new Front(nodes, controlPorts);
      f.thread.start();
      return f;
    }

    private void run() {
      while (running) {
        for (int i = 0; i < controlPorts.length; i++) {
          boolean ready = ManagementHttp.ready(nodes.get(i));
          synchronized (this) {
            if (ready == paused[i]) {
              try {
                Sipp.control(controlPorts[i], "p");
                paused[i] = !ready;
                events.add(String.format("%.1f s: node %d %s", (System.currentTimeMillis() - start) / 1000.0, i + 1,
                    ready ? "ready again, calls resumed" : "not ready, new calls paused"));
                notifyAll();
              } catch (Exception e) {
                events.add("could not control caller " + (i + 1) + ": " + e);
              }
            }
          }
        }
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    synchronized void awaitPaused(int node, Duration limit) throws InterruptedException {
      long end = System.currentTimeMillis() + limit.toMillis();
      while (!paused[node] && System.currentTimeMillis() < end) {
        wait(100);
      }
      if (!paused[node]) {
        throw new AssertionError("the front did not see node " + (node + 1) + " go unready: " + events);
      }
    }

    List<String> events() {
      return List.copyOf(events);
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      thread.interrupt();
      thread.join(2000);
    }
  }
}
