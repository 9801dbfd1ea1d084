package io.sbc.node.journal;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes the journal events of calls that ended a while ago: a finished call needs nothing from
 * the journal, and without this every call would leave its rows forever. One batched statement
 * per interval keeps the work off the per-call path; it is idempotent, so every node of a
 * cluster may run it. The retention must exceed the linger time, so that no live entity loses
 * its events. Quoted lower-case names match both the H2 and the PostgreSQL schema of the plugin.
 */
public final class JournalJanitor implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JournalJanitor.class);
  static final String ENDED_MANIFEST = EventManifests.ENDED.get(0);
  private static final String DELETE_ENDED =
      "DELETE FROM \"event_journal\" WHERE \"persistence_id\" IN ("
          + "SELECT \"persistence_id\" FROM \"event_journal\""
          + " WHERE \"event_ser_manifest\" IN (?, ?) AND \"write_timestamp\" < ?)";
  /**
   * A call handed off while it was being set up sits in the journal without a dialog; if it never
   * got one (its node died before it ended) nothing writes its end. Setup lasts at most timer C
   * (3 min), so such a call older than the retention is over.
   */
  private static final String DELETE_ABANDONED_SETUPS =
      "DELETE FROM \"event_journal\" WHERE \"persistence_id\" IN ("
          + "SELECT \"persistence_id\" FROM \"event_journal\" GROUP BY \"persistence_id\""
          + " HAVING MAX(\"write_timestamp\") < ?"
          + " AND SUM(CASE WHEN \"event_ser_manifest\" IN (?, ?) THEN 1 ELSE 0 END) = 0)";

  private final String url;
  private final String user;
  private final String password;
  private final Duration retention;
  private final LongConsumer deletedRows;
  private ScheduledExecutorService executor;

  public JournalJanitor(String url, String user, String password, Duration retention, LongConsumer deletedRows) {
    this.url = url;
    this.user = user;
    this.password = password;
    this.retention = retention;
    this.deletedRows = deletedRows;
  }

  /**
   * Deletes every event of calls whose end was persisted before {@code now - retention}, and of
   * calls never established whose last event is older than that.
   */
  int runOnce(long nowMillis) throws SQLException {
    long before = nowMillis - retention.toMillis();
    try (Connection c = DriverManager.getConnection(url, user, password);
        PreparedStatement ended = c.prepareStatement(DELETE_ENDED);
        PreparedStatement abandoned = c.prepareStatement(DELETE_ABANDONED_SETUPS)) {
      ended.setString(1, EventManifests.ENDED.get(0));
      ended.setString(2, EventManifests.ENDED.get(1));
      ended.setLong(3, before);
      abandoned.setLong(1, before);
      abandoned.setString(2, EventManifests.ESTABLISHED.get(0));
      abandoned.setString(3, EventManifests.ESTABLISHED.get(1));
      int rows = ended.executeUpdate() + abandoned.executeUpdate();
      deletedRows.accept(rows);
      return rows;
    }
  }

  public void start(Duration interval) {
    executor = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "sbc-journal-janitor");
      t.setDaemon(true);
      return t;
    });
    executor.scheduleWithFixedDelay(() -> {
      try {
        int rows = runOnce(System.currentTimeMillis());
        if (rows > 0) {
          log.debug("deleted {} journal rows of ended calls", rows);
        }
      } catch (SQLException | RuntimeException e) {
        // The database may be down for a while: try again next interval, nothing is lost.
        log.warn("journal clean-up failed, retrying in {}: {}", interval, e.getMessage());
      }
    }, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    if (executor != null) {
      executor.shutdownNow();
    }
  }
}
