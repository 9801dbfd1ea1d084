package io.sbc.node.journal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Creates the pekko-persistence-jdbc tables when they are missing. The plugin never does, and its
 * own helper swallows errors; here a failure stops the node with the database's message. The DDL
 * scripts ship in the plugin jar; their index statements are made idempotent and run outside a
 * transaction (PostgreSQL's CREATE INDEX CONCURRENTLY cannot run inside one). On PostgreSQL,
 * nodes starting together take turns under an advisory lock.
 */
public final class JournalSchema {
  private static final Pattern CREATE_INDEX =
      Pattern.compile("(?i)CREATE\\s+(UNIQUE\\s+)?INDEX\\s+(CONCURRENTLY\\s+)?(?!IF\\s+NOT\\s+EXISTS)");

  private static final Pattern H2_BLOB = Pattern.compile("\\bBLOB\\b");

  /** Advisory lock key that serializes schema creation across nodes ("sbc-jrnl" in ASCII). */
  private static final long SCHEMA_LOCK = 0x7362632d6a726e6cL;

  private JournalSchema() {}

  /** @param dialect {@code h2} or {@code postgres}, the folder name inside the plugin jar */
  public static void ensure(String dialect, String url, String user, String password)
      throws SQLException, IOException {
    List<String> statements = statements(dialect);
    DriverManager.setLoginTimeout(10); // an unreachable database is an error at start, not a hang
    try (Connection connection = DriverManager.getConnection(url, user, password)) {
      connection.setAutoCommit(true);
      try (Statement st = connection.createStatement()) {
        if (dialect.equals("postgres")) {
          // Nodes of a cluster start together, and IF NOT EXISTS does not make concurrent DDL
          // safe in PostgreSQL (both pass the check, one fails on a catalog index): one node at a
          // time. A session lock, released when this connection closes.
          st.execute("SELECT pg_advisory_lock(" + SCHEMA_LOCK + ")");
        }
        for (String sql : statements) {
          st.execute(sql);
        }
      }
    }
  }

  static List<String> statements(String dialect) throws IOException {
    String resource = "schema/" + dialect + "/" + dialect + "-create-schema.sql";
    try (InputStream in = JournalSchema.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IOException("journal schema " + resource + " not found on the classpath");
      }
      String script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      if (dialect.equals("h2")) {
        // H2 keeps every BLOB value in its separate LOB store (its own maps, a reference per
        // row): a few-KB event payload costs several extra map writes and reads. Inline binary
        // columns hold the same bytes (Slick binds byte arrays either way). New databases only.
        script = H2_BLOB.matcher(script).replaceAll("VARBINARY");
      }
      List<String> out = new ArrayList<>();
      for (String raw : script.split(";")) {
        String sql = raw.strip();
        if (!sql.isEmpty()) {
          out.add(CREATE_INDEX.matcher(sql).replaceFirst(m -> "CREATE " + (m.group(1) == null ? "" : "UNIQUE ") + "INDEX IF NOT EXISTS "));
        }
      }
      return out;
    }
  }
}
