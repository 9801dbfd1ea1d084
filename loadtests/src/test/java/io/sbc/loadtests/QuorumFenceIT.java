package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gov.nist.javax.sip.message.SIPResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The quorum fence on three real nodes: when node 1 can reach neither of the others (both
 * frozen with SIGSTOP), it stops touching SIP at once, long before anyone could be downed; when
 * they resume it serves again, and nobody was downed. The cluster is tuned so that the freeze is
 * seen quickly (1 s acceptable heartbeat pause) and nobody is downed meanwhile (stable-after
 * 20 s; pause fence 15 s, above the freeze).
 */
class QuorumFenceIT {
  private static PostgresServer pg;
  private static final List<NodeProcess> nodes = new ArrayList<>();
  private static SipPeer peer;

  @BeforeAll
  static void startCluster() throws Exception {
    pg = PostgresServer.start("quorum");
    peer = new SipPeer("probe");
    int seedPort = Ports.free();
    String config = PostgresJournalIT.journalConfig(pg.jdbcUrl())
        + "sbc.cluster.seed-nodes = \"127.0.0.1:" + seedPort + "\"\n"
        + "pekko.cluster.failure-detector.acceptable-heartbeat-pause = 1s\n"
        + "pekko.cluster.split-brain-resolver.stable-after = 20s\n"
        + "sbc.cluster.pause-fence = 15s\n";
    String hop = "sip:127.0.0.1:" + Ports.free();
    nodes.add(NodeProcess.start("quorum-1", hop, config, seedPort));
    nodes.add(NodeProcess.start("quorum-2", hop, config));
    nodes.add(NodeProcess.start("quorum-3", hop, config));
    nodes.get(0).awaitUpMembers(3);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    for (NodeProcess n : nodes) {
      n.signal("CONT");
      n.close();
    }
    if (pg != null) {
      pg.close();
    }
    if (peer != null) {
      peer.close();
    }
  }

  @Test
  void aNodeThatReachesNoMajorityKeepsStillUntilItDoesAgain() throws Exception {
    NodeProcess lone = nodes.get(0);
    assertEquals(200, options(lone, "before").getStatusCode());
    nodes.get(1).signal("STOP");
    nodes.get(2).signal("STOP");
    try {
      awaitLog(lone, "fenced: only 1 of 3 cluster members reachable", Duration.ofSeconds(10));
      long fencedBefore = lone.counter("sbc_sip_fenced_total");
      peer.send(options("during"), lone.sipPort);
      assertNull(peer.poll(m -> m instanceof SIPResponse r && r.getCallId().getCallId().equals("quorum-during"),
          Duration.ofSeconds(1)), "a fenced node answers nothing");
      assertTrue(lone.counter("sbc_sip_fenced_total") > fencedBefore, "the dropped OPTIONS is counted");
    } finally {
      nodes.get(1).signal("CONT");
      nodes.get(2).signal("CONT");
    }
    awaitLog(lone, "fence open again", Duration.ofSeconds(15));
    assertEquals(200, options(lone, "after").getStatusCode());
    lone.awaitUpMembers(3);
    for (NodeProcess n : nodes) {
      assertTrue(n.isAlive(), "nobody was downed or fenced for good: " + n.tail());
    }
  }

  private static String options(String tag) {
    return peer.request("OPTIONS", "sip:sbc@127.0.0.1", "quorum-" + tag, "o-" + tag, "", 1, SipPeer.branch(), "",
        null);
  }

  private static SIPResponse options(NodeProcess node, String tag) throws Exception {
    peer.send(options(tag), node.sipPort);
    return (SIPResponse) peer.await("answer to OPTIONS " + tag, m -> m instanceof SIPResponse r
        && r.getCallId().getCallId().equals("quorum-" + tag), Duration.ofSeconds(5));
  }

  private static void awaitLog(NodeProcess node, String text, Duration limit) throws Exception {
    long end = System.nanoTime() + limit.toNanos();
    while (System.nanoTime() < end) {
      if (Files.readString(node.log).contains(text)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no \"" + text + "\" in the log within " + limit + ":\n" + node.tail());
  }
}
