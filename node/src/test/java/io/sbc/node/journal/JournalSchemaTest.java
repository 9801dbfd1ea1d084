package io.sbc.node.journal;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;

class JournalSchemaTest {
  @Test
  void createsTheJournalTablesAndCanRunTwice() throws Exception {
    String url = "jdbc:h2:mem:schema-test;DB_CLOSE_DELAY=-1";
    JournalSchema.ensure("h2", url, "sa", "");
    JournalSchema.ensure("h2", url, "sa", ""); // a node restart must not fail on existing indexes
    try (Connection c = DriverManager.getConnection(url, "sa", "");
        ResultSet rs = c.getMetaData().getTables(null, null, "event_journal", null)) {
      assertTrue(rs.next(), "event_journal table created");
    }
  }

  @Test
  void postgresIndexStatementsBecomeIdempotentAndNonConcurrent() throws Exception {
    for (String sql : JournalSchema.statements("postgres")) {
      if (sql.toUpperCase().contains("INDEX")) {
        assertTrue(sql.contains("IF NOT EXISTS"), sql);
        assertTrue(!sql.toUpperCase().contains("CONCURRENTLY"), sql);
      }
    }
  }
}
