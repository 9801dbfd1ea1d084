package io.sbc.loadtests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server from the Debian package, private to a test: {@code initdb} into a
 * fresh directory, started with {@code pg_ctl} on a free loopback port (no other socket), and
 * stopped by the postmaster's PID. As root, the server runs as the package's {@code postgres}
 * user (PostgreSQL refuses root). Fails loudly if PostgreSQL is not installed: {@code
 * run-tests.sh} installs it.
 */
final class PostgresServer implements AutoCloseable {
  static final String USER = "sbc";
  static final String PASSWORD = "sbc";
  final int port;
  final Path dir;
  private final Path bin;
  private long pid;
  /** Stops the server if the test JVM exits while it runs. */
  private ReapOnExit reaper;

  private PostgresServer(int port, Path dir, Path bin) {
    this.port = port;
    this.dir = dir;
    this.bin = bin;
  }

  static PostgresServer start(String name) throws Exception {
    Path bin = findBin();
    Path dir = Files.createTempDirectory("sbc-pg-" + name + "-");
    PostgresServer pg = new PostgresServer(Ports.free(), dir, bin);
    try {
      pg.init();
      pg.startServer();
      pg.createDatabase("sbc");
    } catch (Exception e) {
      pg.close();
      throw e;
    }
    return pg;
  }

  String jdbcUrl() {
    return url("sbc");
  }

  private String url(String database) {
    return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
  }

  private static Path findBin() throws IOException {
    Path root = Path.of("/usr/lib/postgresql");
    if (Files.isDirectory(root)) {
      try (Stream<Path> versions = Files.list(root)) {
        List<Path> found = versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
            .sorted(Comparator.reverseOrder()).toList();
        if (!found.isEmpty()) {
          return found.get(0);
        }
      }
    }
    throw new IllegalStateException("PostgreSQL server binaries not found under /usr/lib/postgresql: "
        + "install the Debian package 'postgresql' (run-tests.sh does)");
  }

  private boolean asRoot() {
    return "root".equals(System.getProperty("user.name"));
  }

  /** The command, run as the postgres user when we are root. */
  private List<String> as(List<String> cmd) {
    if (!asRoot()) {
      return cmd;
    }
    List<String> out = new ArrayList<>(List.of("runuser", "-u", "postgres", "--"));
    out.addAll(cmd);
    return out;
  }

  private void run(List<String> cmd, long seconds) throws Exception {
    Path out = Files.createTempFile("sbc-pg-cmd", ".log");
    Process p = new ProcessBuilder(as(cmd)).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", cmd) + " took longer than " + seconds + " s");
    }
    String log = Files.readString(out);
    Files.deleteIfExists(out);
    if (p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed (" + p.exitValue() + "):\n" + log);
    }
  }

  private void init() throws Exception {
    Path data = dir.resolve("data");
    Path pwfile = dir.resolve("pw");
    Files.writeString(pwfile, PASSWORD + "\n");
    if (asRoot()) {
      new ProcessBuilder("chown", "-R", "postgres:postgres", dir.toString()).inheritIO().start().waitFor();
      new ProcessBuilder("chmod", "755", dir.toString()).inheritIO().start().waitFor();
    }
    run(List.of(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", USER, "--pwfile=" + pwfile,
        "-A", "scram-sha-256", "-E", "UTF8", "--no-sync"), 120);
  }

  private void startServer() throws Exception {
    Path data = dir.resolve("data");
    run(List.of(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-l", dir.resolve("server.log").toString(),
        "-w", "-t", "60", "-o",
        "-p " + port + " -c listen_addresses=127.0.0.1 -k " + dir + " -c fsync=off -c max_connections=60",
        "start"), 90);
    pid = Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
    ProcessHandle.of(pid).ifPresent(h -> reaper = ReapOnExit.terminate("postgres", h));
  }

  /** A new empty database on this server; returns its JDBC URL. */
  String createDatabase(String name) throws SQLException {
    try (Connection c = DriverManager.getConnection(url("postgres"), USER, PASSWORD);
        Statement st = c.createStatement()) {
      st.execute("CREATE DATABASE " + name);
    }
    return url(name);
  }

  /** Starts the stopped server again on the same port and data (a database outage ends). */
  void restart() throws Exception {
    if (pid == 0) {
      startServer();
    }
  }

  /** Stops the server (SIGKILL-free: SIGQUIT = immediate shutdown), then waits for its PID. */
  void stop() throws Exception {
    if (pid > 0) {
      ProcessHandle.of(pid).ifPresent(h -> {
        try {
          new ProcessBuilder("kill", "-QUIT", Long.toString(pid)).start().waitFor();
          h.onExit().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
          h.destroyForcibly();
        }
      });
      pid = 0;
    }
    if (reaper != null) {
      reaper.close();
      reaper = null;
    }
  }

  long count(String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbcUrl(), USER, PASSWORD);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  @Override
  public void close() throws Exception {
    stop();
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
