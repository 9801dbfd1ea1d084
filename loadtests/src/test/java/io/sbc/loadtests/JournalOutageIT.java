package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * PostgreSQL goes away for eight seconds while calls run on a node that journals into it. The
 * established calls' re-INVITEs and BYEs fall into the outage, and new calls arrive during it.
 * Every call completes once the database is back (the writes are retried with backoff; peers'
 * retransmissions bridge the wait), the node stays up, and the journal ends up with every call's
 * start and end: nothing persisted before the outage is lost and nothing written during it is
 * dropped.
 */
class JournalOutageIT {
  private static final String ESTABLISHED = "SELECT count(*) FROM event_journal WHERE event_ser_manifest LIKE '%CallEstablished'";
  private static final String ENDED = "SELECT count(*) FROM event_journal WHERE event_ser_manifest LIKE '%CallEnded'";

  @Test
  void callsCarryOnThroughADatabaseOutageAndNoEventIsLost() throws Exception {
    int uasPort = Ports.free();
    int before = 30;
    int during = 10;
    try (PostgresServer pg = PostgresServer.start("outage");
        NodeProcess node = NodeProcess.start("outage-node", "sip:127.0.0.1:" + uasPort,
            PostgresJournalIT.journalConfig(pg.jdbcUrl()) + "sbc.call.linger = 2s\n")) {
      warmUp(node, uasPort);
      long establishedBefore = pg.count(ESTABLISHED);
      long endedBefore = pg.count(ENDED);
      try (Sipp uas = Sipp.start("uas-outage", "uas_reinvite_matrix.xml", "u1", uasPort, "-m", Integer.toString(before + during));
          Sipp uac = Sipp.start("uac-outage", "uac_failover.xml", "u1", Ports.free(), "-m", Integer.toString(before),
              "-r", "15", "-set", "hold_ms", "6000", "-set", "move_port", Integer.toString(node.sipPort),
              "127.0.0.1:" + node.sipPort)) {
        awaitCallIds(uas, before);
        assertEquals(establishedBefore + before, pg.count(ESTABLISHED), "every answered call is in the journal");

        pg.stop();
        long downAt = System.currentTimeMillis();
        try (Sipp late = Sipp.start("uac-outage-late", "uac_failover.xml", "u1", Ports.free(), "-m", Integer.toString(during),
            "-r", "5", "-set", "hold_ms", "1000", "-set", "move_port", Integer.toString(node.sipPort),
            "127.0.0.1:" + node.sipPort)) {
          Thread.sleep(Math.max(0, 8_000 - (System.currentTimeMillis() - downAt)));
          pg.restart();
          long upAt = System.currentTimeMillis();

          String why = uac.diagnostics() + "\n" + late.diagnostics() + "\n" + uas.diagnostics()
              + "\n--- node\n" + node.tail();
          assertEquals(0, uac.await(120), why);
          assertEquals(0, late.await(120), why);
          long lastDone = System.currentTimeMillis() - upAt;
          assertEquals(before, uac.stat("SuccessfulCall(C)"), why);
          assertEquals(during, late.stat("SuccessfulCall(C)"), why);
          assertEquals(0, uas.await(60), why);
          assertEquals(before + during,
              uas.logLines().stream().filter(l -> l.equals("got INVITE failover-refresh sdp=yes")).count(), why);
          assertTrue(node.isAlive(), "the node must survive the outage\n" + why);

          long retries = node.counter("sbc_journal_write_retries_total");
          assertTrue(retries > 0, "the outage must have made writes fail and be retried\n" + why);
          long ended = 0;
          for (int i = 0; i < 100 && ended < endedBefore + before + during; i++) {
            Thread.sleep(100);
            ended = pg.count(ENDED);
          }
          assertEquals(establishedBefore + before + during, pg.count(ESTABLISHED), why);
          assertEquals(endedBefore + before + during, ended, why);
          System.out.printf("journal outage: database down %d ms; %d calls established before and %d during it all "
              + "completed, the last %d ms after the database came back; %d journal writes retried%n",
              upAt - downAt, before, during, lastDone, retries);
        }
      }
    }
  }

  /** A few calls first, so that the measured ones do not pay for class loading and JIT. */
  private static void warmUp(NodeProcess node, int uasPort) throws Exception {
    try (Sipp uas = Sipp.start("uas-outage-warmup", "uas.xml", "u1", uasPort, "-m", "20");
        Sipp uac = Sipp.start("uac-outage-warmup", "uac.xml", "u1", Ports.free(), "-m", "20", "-r", "10",
            "-set", "hold_ms", "200", "127.0.0.1:" + node.sipPort)) {
      assertEquals(0, uac.await(90), uac.diagnostics());
      assertEquals(0, uas.await(30), uas.diagnostics());
    }
  }

  private static void awaitCallIds(Sipp uas, int total) throws Exception {
    long end = System.currentTimeMillis() + 30_000;
    while (uas.logLines().stream().filter(l -> l.startsWith("call-id ")).count() < total) {
      if (System.currentTimeMillis() > end) {
        throw new AssertionError("not all calls reached the callee\n" + uas.diagnostics());
      }
      Thread.sleep(200);
    }
    Thread.sleep(1500); // the last ACKs and journal writes
  }
}
