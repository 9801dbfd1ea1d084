package io.sbc.node.journal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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
  void h2PayloadsAreInlineBinaryColumnsThatHoldALargeEvent() throws Exception {
    String url = "jdbc:h2:mem:schema-binary;DB_CLOSE_DELAY=-1";
    JournalSchema.ensure("h2", url, "sa", "");
    byte[] payload = new byte[256 * 1024];
    new java.util.Random(7).nextBytes(payload);
    try (Connection c = DriverManager.getConnection(url, "sa", "")) {
      try (ResultSet rs = c.getMetaData().getColumns(null, null, "event_journal", "event_payload")) {
        assertTrue(rs.next(), "event_payload column");
        assertEquals("BINARY VARYING", rs.getString("TYPE_NAME"));
      }
      try (java.sql.PreparedStatement insert = c.prepareStatement("INSERT INTO \"event_journal\" (\"persistence_id\", "
          + "\"sequence_number\", \"writer\", \"write_timestamp\", \"adapter_manifest\", \"event_payload\", "
          + "\"event_ser_id\", \"event_ser_manifest\") VALUES ('call|x', 1, 'w', 0, '', ?, 1, 'm')")) {
        insert.setBytes(1, payload);
        insert.executeUpdate();
      }
      try (ResultSet rs = c.createStatement().executeQuery("SELECT \"event_payload\" FROM \"event_journal\"")) {
        assertTrue(rs.next());
        assertArrayEquals(payload, rs.getBytes(1));
      }
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
