package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * Finished calls leave nothing behind: once the linger time (shortened here) has passed, the
 * node hosts no call entity, its counters account for every call, and once the journal retention
 * (shortened too) has passed, the journal holds none of their events.
 */
class CallCleanupIT {

  @Test
  void finishedCallsStopTheirEntities() throws Exception {
    int calls = 150;
    int uasPort = Ports.free();
    try (NodeProcess node = NodeProcess.start("cleanup", "sip:127.0.0.1:" + uasPort,
            "sbc.call.linger = 2s\nsbc.journal-cleanup { interval = 1s, keep-ended-for = 3s }");
        Sipp uas = Sipp.start("uas-cleanup", "uas.xml", "u1", uasPort, "-m", Integer.toString(calls));
        Sipp uac = Sipp.start("uac-cleanup", "uac.xml", "u1", Ports.free(),
            "-s", "erin", "-m", Integer.toString(calls), "-r", "50", "-set", "hold_ms", "1000",
            "127.0.0.1:" + node.sipPort)) {
      assertEquals(0, uac.await(120), uac.diagnostics() + node.tail());
      long deadline = System.nanoTime() + 30_000_000_000L;
      long left = node.callEntities();
      while (left > 0 && System.nanoTime() < deadline) {
        Thread.sleep(500);
        left = node.callEntities();
      }
      assertEquals(0, left, "call entities still alive long after their calls ended");
      String metrics = node.httpGet("/metrics");
      assertEquals(calls, NodeProcess.counter(metrics, "sbc_calls_established_total"), metrics);
      assertEquals(calls, NodeProcess.counter(metrics, "sbc_calls_ended_total"), metrics);

      // Two events per call (established, ended), all deleted after the retention.
      long deleted = 0;
      while (deleted < 2L * calls && System.nanoTime() < deadline + 15_000_000_000L) {
        Thread.sleep(500);
        deleted = node.counter("sbc_journal_rows_deleted_total");
      }
      assertEquals(2L * calls, deleted, "journal rows of ended calls deleted");
    }
  }
}
