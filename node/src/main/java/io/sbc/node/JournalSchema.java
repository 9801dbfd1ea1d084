package io.sbc.node;

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
 * transaction (PostgreSQL's CREATE INDEX CONCURRENTLY cannot run inside one).
 */
public final class JournalSchema {
  private static final Pattern CREATE_INDEX =
      Pattern.compile("(?i)CREATE\\s+(UNIQUE\\s+)?INDEX\\s+(CONCURRENTLY\\s+)?(?!IF\\s+NOT\\s+EXISTS)");

  private JournalSchema() {}

  /** @param dialect {@code h2} or {@code postgres}, the folder name inside the plugin jar */
  public static void ensure(String dialect, String url, String user, String password)
      throws SQLException, IOException {
    List<String> statements = statements(dialect);
    DriverManager.setLoginTimeout(10); // an unreachable database is an error at start, not a hang
    try (Connection connection = DriverManager.getConnection(url, user, password)) {
      connection.setAutoCommit(true);
      try (Statement st = connection.createStatement()) {
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
