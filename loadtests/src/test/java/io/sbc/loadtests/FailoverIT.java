package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three node JVMs on one PostgreSQL journal form a cluster; 300 calls come in spread over the
 * three gateways while their entities spread over all three nodes. Node 2 is killed with SIGKILL
 * while the calls are established: every call must still complete its re-INVITE and BYE on both
 * legs, the entities of node 2 having been recovered on the survivors. The callers whose INVITE
 * went to node 2's gateway send their re-INVITE and BYE to node 3's instead (as a shared address
 * in front of the cluster would), so the survivors also take over the legs node 2 anchored. A
 * second group of calls has a callee that stops refreshing (24 s interval): nobody sends anything
 * on them after the kill, yet each must get its BYE on both legs at the persisted deadline, which
 * needs the entities of the killed node to be woken without a message.
 *
 * <p>First, a partition: node 3 is frozen (SIGSTOP) for longer than the failure detector and
 * Split Brain Resolver need; the majority downs it and keeps every call; when node 3 resumes it
 * learns it was downed and stops itself. A fresh node 3 then joins for the kill test.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FailoverIT {
  private static final int CALLS_PER_GATEWAY = 100;
  private static PostgresServer pg;
  private static final List<NodeProcess> nodes = new ArrayList<>();
  private static int uasPort;
  private static String config;
  private static String hop;
  private static int silentUasPort;
  private static final int SILENT_CALLS = 30;

  @BeforeAll
  static void startCluster() throws Exception {
    pg = PostgresServer.start("failover");
    uasPort = Ports.free();
    silentUasPort = Ports.free();
    int seedPort = Ports.free();
    config = PostgresJournalIT.journalConfig(pg.jdbcUrl())
        + "sbc.cluster.seed-nodes = \"127.0.0.1:" + seedPort + "\"\n"
        // finished warm-up calls must not linger into the count of calls on the victim
        + "sbc.call.linger = 2s\n"
        // calls to "silent." go to a callee that takes the refresher role for 24 s and goes quiet
        + "sbc.session-timer.min-se = 10s\n"
        + "sbc.routes = [{ user-prefix = \"silent.\", next-hop = \"sip:127.0.0.1:" + silentUasPort + "\" }]\n"
        // A shard handed off to the fresh node 3 loses the soft state of a call still ringing in it
        // (a known gap, see README); move all shards at the first rebalance after the join, so that
        // the kill test starts on a settled cluster instead of racing a rebalance every 10 s.
        + NodeProcess.REBALANCE_AT_ONCE;
    hop = "sip:127.0.0.1:" + uasPort;
    nodes.add(NodeProcess.start("failover-1", hop, config, seedPort));
    nodes.add(NodeProcess.start("failover-2", hop, config));
    nodes.add(NodeProcess.start("failover-3", hop, config));
    long end = System.currentTimeMillis() + 60_000;
    while (nodes.get(0).upMembers() < 3) {
      if (System.currentTimeMillis() > end) {
        throw new AssertionError("cluster did not form: " + nodes.get(0).httpGet("/cluster/members"));
      }
      Thread.sleep(250);
    }
    warmUp();
  }

  /**
   * A cold cluster's first cross-node messages take longer than T1 (class loading, JIT), so the
   * SBC retransmits the first INVITEs, which SIPp's UAS counts as unexpected and aborts. A few
   * calls through every gateway first make the measured run about fail-over only.
   */
  private static void warmUp() throws Exception {
    int calls = 3 * 20;
    try (Sipp uas = Sipp.start("uas-warmup", "uas.xml", "u1", uasPort, "-m", Integer.toString(calls))) {
      List<Sipp> uacs = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          uacs.add(Sipp.start("uac-warmup-" + (i + 1), "uac.xml", "u1", Ports.free(), "-m", "20", "-r", "10",
              "-set", "hold_ms", "200", "127.0.0.1:" + nodes.get(i).sipPort));
        }
        for (Sipp uac : uacs) {
          uac.await(90);
        }
      } finally {
        for (Sipp uac : uacs) {
          uac.close();
        }
      }
      // A BYE still unanswered when this callee goes would be resent to the next test's callee on the port.
      uas.awaitOrClose(30);
    }
    Thread.sleep(4000); // the warm-up calls' entities stop after their linger time
  }

  @AfterAll
  static void stopCluster() throws Exception {
    for (NodeProcess n : nodes) {
      n.close();
    }
    if (pg != null) {
      pg.close();
    }
  }

  /** Milliseconds from {@code killedAt} to the first and last recovery logged after it. */
  private static long[] recoveryTimes(long killedAt) throws Exception {
    java.time.LocalDate today = java.time.LocalDate.now();
    long first = Long.MAX_VALUE;
    long last = -1;
    for (NodeProcess n : List.of(nodes.get(0), nodes.get(2))) {
      for (String l : Files.readAllLines(n.log)) {
        if (l.contains(" recovered: A ") && l.length() > 12) {
          long at = java.time.LocalDateTime.of(today, java.time.LocalTime.parse(l.substring(0, 12)))
              .atZone(java.time.ZoneId.systemDefault()).toInstant().toEpochMilli() - killedAt;
          if (at >= 0) {
            first = Math.min(first, at);
            last = Math.max(last, at);
          }
        }
      }
    }
    return new long[] {first, last};
  }

  private static long recoveredCalls() throws Exception {
    long recovered = 0;
    for (NodeProcess n : List.of(nodes.get(0), nodes.get(2))) {
      recovered += Files.readAllLines(n.log).stream().filter(l -> l.contains(" recovered: A ")).count();
    }
    return recovered;
  }

  @Test
  @Order(1)
  void aFrozenNodeIsDownedByTheMajorityWhichKeepsEveryCall() throws Exception {
    int calls = 30;
    NodeProcess frozen = nodes.get(2);
    try (Sipp uas = Sipp.start("uas-partition", "uas_reinvite_matrix.xml", "u1", uasPort, "-m", Integer.toString(2 * calls));
        Sipp uac1 = Sipp.start("uac-partition-1", "uac_failover.xml", "u1", Ports.free(), "-m", Integer.toString(calls),
            "-r", "20", "-set", "hold_ms", "20000", "-set", "move_port", Integer.toString(nodes.get(0).sipPort),
            "127.0.0.1:" + nodes.get(0).sipPort);
        Sipp uac2 = Sipp.start("uac-partition-2", "uac_failover.xml", "u1", Ports.free(), "-m", Integer.toString(calls),
            "-r", "20", "-set", "hold_ms", "20000", "-set", "move_port", Integer.toString(nodes.get(1).sipPort),
            "127.0.0.1:" + nodes.get(1).sipPort)) {
      uas.awaitCalleeCalls(2 * calls);
      long onFrozen = frozen.callEntities();
      assertTrue(onFrozen > 0, "the frozen node must hold some of the calls");
      frozen.signal("STOP");
      // Unreachable after ~3 s, downed 5 s later (stable-after): wait well past that.
      long end = System.currentTimeMillis() + 30_000;
      while (nodes.get(0).upMembers() != 2 || nodes.get(0).httpGet("/cluster/members").contains("\"unreachable\":[{")) {
        if (System.currentTimeMillis() > end) {
          throw new AssertionError("the majority did not down the frozen node: " + nodes.get(0).httpGet("/cluster/members"));
        }
        Thread.sleep(250);
      }
      long downedAfter = System.currentTimeMillis() - (end - 30_000);
      frozen.signal("CONT");
      int exit = frozen.awaitExit(30);
      String why = uac1.diagnostics() + "\n" + uac2.diagnostics() + "\n" + uas.diagnostics()
          + "\n--- node 3\n" + frozen.tail();
      assertEquals(5, exit, "the resumed node must stop itself at once, its pause fence closed\n" + why);
      assertTrue(Files.readString(frozen.log).contains("fenced: this process was stopped for"), frozen.tail());
      assertEquals(0, uac1.await(120), why);
      assertEquals(0, uac2.await(120), why);
      assertEquals(calls, uac1.stat("SuccessfulCall(C)"), why);
      assertEquals(calls, uac2.stat("SuccessfulCall(C)"), why);
      assertEquals(0, uas.await(60), why);
      // No call was handled twice: the callee saw each re-INVITE once and nothing unexpected.
      assertEquals(2L * calls, uas.logLines().stream().filter(l -> l.equals("got INVITE failover-refresh sdp=yes")).count(), why);
      assertEquals(0, uas.stat("FailedCall(C)"), why);
      System.out.printf("partition: %d of %d calls had their entity on the frozen node; it was downed %d ms after "
          + "the freeze and exited with %d after resuming; all calls completed%n", onFrozen, 2 * calls, downedAfter, exit);
    }
    nodes.set(2, NodeProcess.start("failover-3b", hop, config));
    long end = System.currentTimeMillis() + 60_000;
    while (nodes.get(0).upMembers() < 3) {
      if (System.currentTimeMillis() > end) {
        throw new AssertionError("the new node 3 did not join: " + nodes.get(0).httpGet("/cluster/members"));
      }
      Thread.sleep(250);
    }
    warmUp(); // the new JVM is cold
    System.out.printf("failover: shards per node after the join %s%n", NodeProcess.awaitBalancedShards(nodes));
  }



  @Test
  @Order(2)
  void establishedCallsSurviveTheKillOfTheNodeHoldingTheirEntities() throws Exception {
    int total = 3 * CALLS_PER_GATEWAY;
    NodeProcess victim = nodes.get(1);
    long setupStart = System.currentTimeMillis();
    List<Sipp> uacs = new ArrayList<>();
    try (Sipp silentUas = Sipp.start("uas-silent", "timer_uas_short_silent.xml", "u1", silentUasPort,
            "-m", Integer.toString(SILENT_CALLS), "-set", "se", "24");
        Sipp silentUac = Sipp.start("uac-silent", "timer_uac_wait_bye.xml", "u1", Ports.free(), "-s", "silent.1",
            "-m", Integer.toString(SILENT_CALLS), "-r", "30", "127.0.0.1:" + nodes.get(0).sipPort);
        Sipp uas = Sipp.start("uas-failover", "uas_reinvite_matrix.xml", "u1", uasPort, "-m", Integer.toString(total),
            "-l", "1000")) {
      for (int i = 0; i < 3; i++) {
        // node 2's callers move to node 3's gateway after the hold; the others stay
        int movePort = nodes.get(i == 1 ? 2 : i).sipPort;
        uacs.add(Sipp.start("uac-failover-" + (i + 1), "uac_failover.xml", "u1", Ports.free(),
            // -l: SIPp's default cap on open calls (3 x rate) would hold back the last 40
            "-m", Integer.toString(CALLS_PER_GATEWAY), "-r", "20", "-l", "1000", "-set", "hold_ms", "30000",
            "-set", "move_port", Integer.toString(movePort), "127.0.0.1:" + nodes.get(i).sipPort));
      }
      uas.awaitCalleeCalls(total);
      long onVictim = victim.callEntities();
      assertTrue(onVictim > 0, "the victim must hold some of the calls");
      long recoveredBefore = recoveredCalls();
      long killedAt = System.currentTimeMillis();
      victim.kill9();
      System.out.printf("failover: node 2 killed %d ms after the first call's setup (hold 30 s: no in-dialog "
          + "transaction in flight yet)%n", killedAt - setupStart);

      // The silent calls end first (their deadline is 16 s after the answer), the others after their 30 s hold.
      int silentExit = silentUac.await(90);
      long silentDone = System.currentTimeMillis() - setupStart;
      int[] exits = new int[3];
      for (int i = 0; i < 3; i++) {
        exits[i] = uacs.get(i).await(120);
      }
      long lastDone = System.currentTimeMillis() - killedAt;
      StringBuilder why = new StringBuilder();
      for (Sipp uac : uacs) {
        why.append(uac.diagnostics()).append('\n');
      }
      why.append(uas.diagnostics()).append("\n--- node 1\n").append(nodes.get(0).tail())
          .append("\n--- node 3\n").append(nodes.get(2).tail());
      for (int i = 0; i < 3; i++) {
        assertEquals(0, exits[i], why.toString());
        assertEquals(CALLS_PER_GATEWAY, uacs.get(i).stat("SuccessfulCall(C)"), why.toString());
      }
      assertEquals(0, uas.await(60), why.toString());
      assertEquals(total, uas.logLines().stream().filter(l -> l.equals("got INVITE failover-refresh sdp=yes")).count(),
          why.toString());
      long recovered = recoveredCalls() - recoveredBefore;
      for (int i = 0; i < 50 && recovered < onVictim; i++) {
        Thread.sleep(200); // the logs of the last recoveries may still be on their way to the file
        recovered = recoveredCalls() - recoveredBefore;
      }
      assertTrue(recovered >= onVictim, recovered + " calls recovered, " + onVictim + " were on the killed node\n" + why);
      // downed by the dead-member probe (its cluster port refused connections), not after the SBR's wait
      assertTrue(Files.readString(nodes.get(0).log).contains("is gone: its cluster port refused")
          || Files.readString(nodes.get(2).log).contains("is gone: its cluster port refused"), why.toString());
      // The silent calls: BYE on both legs by the deadline (24 s - 8 s after the answer) plus slack.
      assertEquals(0, silentExit, silentUac.diagnostics() + "\n" + silentUas.diagnostics());
      assertEquals(0, silentUas.await(30), silentUas.diagnostics());
      assertEquals(SILENT_CALLS, silentUac.logLines().stream().filter(l -> l.equals("got BYE")).count(), silentUac.diagnostics());
      assertEquals(SILENT_CALLS, silentUas.logLines().stream().filter(l -> l.equals("got BYE")).count(), silentUas.diagnostics());
      assertTrue(silentDone < 40_000, "silent calls ended " + silentDone + " ms after their setup began");
      long[] times = recoveryTimes(killedAt);
      System.out.printf("failover: moved calls recovered from %d ms to %d ms after the kill%n", times[0], times[1]);
      System.out.printf("failover: %d of %d calls had their entity on the killed node (%d calls through its gateway "
          + "moved to node 3's); all completed; last re-INVITE/BYE call done %d ms after the kill; all %d silent "
          + "calls got BYE on both legs, the last %d ms after setup began (%d ms after the kill)%n",
          onVictim, total + SILENT_CALLS, CALLS_PER_GATEWAY, lastDone, SILENT_CALLS, silentDone,
          silentDone - (killedAt - setupStart));
    } finally {
      for (Sipp uac : uacs) {
        uac.close();
      }
    }
  }
}
