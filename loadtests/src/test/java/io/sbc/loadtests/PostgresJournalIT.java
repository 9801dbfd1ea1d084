package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sbc.node.journal.JournalSchema;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The journal on a real PostgreSQL (started by the test from the Debian package): the node
 * creates the schema itself, calls persist their dialogs there, and a database that is not
 * there stops the node at start with the journal exit code instead of hanging.
 */
class PostgresJournalIT {
  private static PostgresServer pg;

  @BeforeAll
  static void startPostgres() throws Exception {
    pg = PostgresServer.start("journal");
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    if (pg != null) {
      pg.close();
    }
  }

  static String journalConfig(String url) {
    return "sbc.journal = postgres\n"
        + "pekko-persistence-jdbc.shared-databases.slick.db { url = \"" + url + "\", user = \""
        + PostgresServer.USER + "\", password = \"" + PostgresServer.PASSWORD + "\" }\n";
  }

  @Test
  void callsArePersistedInPostgres() throws Exception {
    int uasPort = Ports.free();
    int calls = 40;
    try (NodeProcess node = NodeProcess.start("pg-node", "sip:127.0.0.1:" + uasPort, journalConfig(pg.jdbcUrl()));
        Sipp uas = Sipp.start("uas-pg", "uas.xml", "u1", uasPort, "-m", Integer.toString(calls));
        Sipp uac = Sipp.start("uac-pg", "uac.xml", "u1", Ports.free(), "-m", Integer.toString(calls), "-r", "20",
            "-set", "hold_ms", "500", "127.0.0.1:" + node.sipPort)) {
      int exit = uac.await(120);
      String why = uac.diagnostics() + "\n" + uas.diagnostics() + "\n--- node\n" + node.tail();
      assertEquals(0, exit, why);
      assertEquals(calls, uac.stat("SuccessfulCall(C)"), why);
      // Each call: CallEstablished + CallEnded, written by the node into PostgreSQL.
      long rows = 0;
      for (int i = 0; i < 50 && rows < 2L * calls; i++) {
        rows = pg.count("SELECT count(*) FROM event_journal");
        Thread.sleep(100);
      }
      assertEquals(2L * calls, rows, why);
      assertEquals(calls, pg.count("SELECT count(DISTINCT persistence_id) FROM event_journal"));
    }
  }

  /**
   * The nodes of a cluster start at the same time (a launcher, Kubernetes): each finds the tables
   * missing and creates them. PostgreSQL's IF NOT EXISTS does not make concurrent DDL safe (two
   * sessions can both pass the check and one fails on the catalog's unique index), so the node
   * serializes schema creation; none may fail.
   */
  @Test
  void nodesCreatingTheSchemaAtTheSameTimeAllSucceed() throws Exception {
    int nodes = 6;
    for (int round = 0; round < 3; round++) {
      String url = pg.createDatabase("schema_race_" + round);
      CyclicBarrier start = new CyclicBarrier(nodes);
      ExecutorService pool = Executors.newFixedThreadPool(nodes);
      try {
        List<Future<?>> runs = new ArrayList<>();
        for (int i = 0; i < nodes; i++) {
          runs.add(pool.submit(() -> {
            start.await(10, TimeUnit.SECONDS);
            JournalSchema.ensure("postgres", url, PostgresServer.USER, PostgresServer.PASSWORD);
            return null;
          }));
        }
        for (Future<?> run : runs) {
          run.get(60, TimeUnit.SECONDS); // throws if that node's schema creation failed
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @Test
  void anUnreachableDatabaseStopsTheNodeWithTheJournalExitCode() {
    long start = System.currentTimeMillis();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> NodeProcess.start(
        "pg-missing", "sip:127.0.0.1:5070", journalConfig("jdbc:postgresql://127.0.0.1:" + Ports.free() + "/sbc")));
    assertTrue(e.getMessage().contains("node exited with 3"), e.getMessage());
    assertTrue(e.getMessage().contains("journal database unusable"), e.getMessage());
    assertTrue(System.currentTimeMillis() - start < 60_000);
  }
}
