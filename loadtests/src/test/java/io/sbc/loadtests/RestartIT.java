package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The node the calls came in on is stopped (SIGTERM: it leaves and hands its shards off) and
 * started again on the same addresses while 40 calls are held; after the hold every caller
 * re-INVITEs and hangs up through that node. The restarted node is a new incarnation: the calls'
 * B-legs, anchored on the old one's gateway, must go out through the new one, never to the
 * dead actors of the old (which swallowed them before: the re-INVITEs ended in 408). While it
 * leaves, the node refuses new INVITEs with the draining 503 and still listens.
 */
class RestartIT {
  private static final int CALLS = 40;
  /** Long enough for the leave, a fresh JVM on the same ports and the shards' move back. */
  private static final long HOLD_MS = 40_000;
  private static final List<NodeProcess> nodes = new ArrayList<>();
  private static PostgresServer pg;
  private static int uasPort;
  private static String hop;
  private static String config;
  private static final int[] clusterPorts = new int[3];

  @BeforeAll
  static void startCluster() throws Exception {
    pg = PostgresServer.start("restart");
    uasPort = Ports.free();
    hop = "sip:127.0.0.1:" + uasPort;
    StringBuilder seeds = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      clusterPorts[i] = Ports.free();
      seeds.append(i == 0 ? "" : ",").append("127.0.0.1:").append(clusterPorts[i]);
    }
    // Every node lists all three seeds, so the first one, restarted, joins the others instead of
    // forming a cluster of its own.
    config = PostgresJournalIT.journalConfig(pg.jdbcUrl())
        + "sbc.cluster.seed-nodes = \"" + seeds + "\"\n"
        + "sbc.call.linger = 2s\n"
        + NodeProcess.REBALANCE_AT_ONCE
        // probes of the drain go nowhere (nothing listens there), so they never reach the callee
        + "sbc.routes = [{ name = \"probe\", user-prefix = \"probe\", next-hop = \"sip:127.0.0.1:" + Ports.free() + "\" }]\n";
    for (int i = 0; i < 3; i++) {
      nodes.add(NodeProcess.start("restart-" + (i + 1), hop, config, clusterPorts[i]));
    }
    nodes.get(0).awaitUpMembers(3);
    // warm every gateway: a cold node's first cross-node hops exceed T1
    Sipp.warmUp("restart", nodes, uasPort, 20);
    Thread.sleep(3000);
  }

  /**
   * New INVITEs (to a route that leads nowhere) every 100 ms at a node told to leave, until one
   * gets the draining 503; returns that response, or what was last heard once the node is gone.
   */
  private static String probeUntilDraining(NodeProcess leaving) throws Exception {
    String last = "nothing";
    try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      socket.setSoTimeout(100);
      int port = socket.getLocalPort();
      for (int i = 0; i < 100 && leaving.isAlive(); i++) {
        String callId = "probe-" + i + "-" + System.nanoTime();
        byte[] bytes = Sipp.bareInvite("probe" + i, leaving.sipPort, port, callId);
        socket.send(new DatagramPacket(bytes, bytes.length, new InetSocketAddress("127.0.0.1", leaving.sipPort)));
        try {
          while (true) {
            DatagramPacket answer = new DatagramPacket(new byte[4096], 4096);
            socket.receive(answer);
            last = new String(answer.getData(), 0, answer.getLength(), StandardCharsets.UTF_8);
            if (last.startsWith("SIP/2.0 503")) {
              return last;
            }
          }
        } catch (SocketTimeoutException quiet) {
          // nothing more for now: the next probe
        }
      }
    }
    return last;
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

  @Test
  void callsThroughANodeRestartedOnItsAddressGoOn() throws Exception {
    NodeProcess ingress = nodes.get(0);
    try (Sipp uas = Sipp.start("uas-restart", "uas_reinvite_matrix.xml", "u1", uasPort, "-m", Integer.toString(CALLS),
            "-l", "1000");
        Sipp uac = Sipp.start("uac-restart", "uac_failover.xml", "u1", Ports.free(), "-m", Integer.toString(CALLS),
            "-r", "20", "-l", "1000", "-set", "hold_ms", Long.toString(HOLD_MS), "-set", "move_port", Integer.toString(ingress.sipPort),
            "127.0.0.1:" + ingress.sipPort)) {
      uas.awaitCalleeCalls(CALLS);
      long stoppedAt = System.currentTimeMillis();
      ingress.signal("TERM");
      String refused = probeUntilDraining(ingress);
      int exit = ingress.awaitExit(30);
      long leftAfter = System.currentTimeMillis() - stoppedAt;
      NodeProcess again = NodeProcess.start("restart-1b", hop, config, clusterPorts[0], ingress.sipPort, ingress.httpPort);
      nodes.set(0, again);
      long backAfter = System.currentTimeMillis() - stoppedAt;
      // Sharding moves shards back to the restarted node; a hand-off during the re-INVITEs would
      // lose them (in-flight transactions are soft state): settle first, inside the hold.
      List<Long> shards = NodeProcess.awaitBalancedShards(nodes);
      long settledAfter = System.currentTimeMillis() - stoppedAt;
      System.out.printf("restart: node 1 left in %d ms (exit %d), back and ready %d ms after the SIGTERM, shards %s "
          + "settled after %d ms%n", leftAfter, exit, backAfter, shards, settledAfter);
      assertTrue(settledAfter < HOLD_MS - 3000, "the shards settled too late for this test: " + settledAfter + " ms");
      assertTrue(refused.startsWith("SIP/2.0 503 Service Unavailable (draining)") && refused.contains("Retry-After: "),
          "a leaving node refuses new INVITEs while it still listens; got: " + refused);

      int uacExit = uac.await(120);
      String why = uac.diagnostics() + "\n" + uas.diagnostics() + "\n--- node 1 (restarted)\n" + again.tail()
          + "\n--- node 2\n" + nodes.get(1).tail() + "\n--- node 3\n" + nodes.get(2).tail();
      assertEquals(0, uacExit, why);
      assertEquals(CALLS, uac.stat("SuccessfulCall(C)"), why);
      assertEquals(0, uas.await(60), why);
      assertEquals(CALLS, uas.logLines().stream().filter(l -> l.equals("got INVITE failover-refresh sdp=yes")).count(), why);
    }
  }
}
