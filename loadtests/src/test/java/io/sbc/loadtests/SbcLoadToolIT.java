package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The load tool itself ({@code loadtests/sbc-load}, Debian's python3 + python3-matplotlib): a tiny
 * {@code load} plan against one node it starts must write report.md, every plot and summary.json,
 * print a summary table whose rows parse, and leave none of its processes behind; bad arguments
 * end with exit status 2 and a message before anything starts. No figure is judged: that is what
 * the tool is for.
 */
class SbcLoadToolIT {
  private static final Path TOOL = Path.of("sbc-load").toAbsolutePath();
  private static final List<String> PLOTS =
      List.of("calls.png", "failed.png", "active.png", "latency.png", "cpu.png", "memory.png", "per-rate.png");

  record Result(int exit, String output, List<Long> descendantsLeft) {}

  static Result run(Path dir, long limitSeconds, String... args) throws Exception {
    if (!Files.isExecutable(Path.of("/usr/bin/python3"))) {
      throw new IllegalStateException("/usr/bin/python3 missing (Debian python3; run-tests.sh installs python3-matplotlib)");
    }
    List<String> cmd = new ArrayList<>(List.of("/usr/bin/python3", TOOL.toString()));
    cmd.addAll(Arrays.asList(args));
    Path out = dir.resolve("tool-output.txt");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
    List<ProcessHandle> seen = new ArrayList<>();
    try (ReapOnExit reaper = ReapOnExit.kill("sbc-load", p.toHandle())) {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(limitSeconds);
      while (p.isAlive() && System.nanoTime() < end) {
        p.toHandle().descendants().forEach(h -> {
          if (seen.stream().noneMatch(s -> s.pid() == h.pid())) {
            seen.add(h);
          }
        });
        Thread.sleep(500);
      }
      if (p.isAlive()) {
        p.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new AssertionError("sbc-load did not finish within " + limitSeconds + " s:\n" + Files.readString(out));
      }
    }
    List<Long> left = seen.stream().filter(ProcessHandle::isAlive).map(ProcessHandle::pid).toList();
    return new Result(p.exitValue(), Files.readString(out), left);
  }

  @Test
  void tinyLoadPlanWritesTheReportAndPlots() throws Exception {
    Path dir = Files.createDirectories(Work.dir().resolve("sbc-load-" + System.nanoTime())).toAbsolutePath();
    Path jar = Path.of(System.getProperty("sbc.node.jar", "../node/target/sbc-node-0.1.0-SNAPSHOT-all.jar"));
    Result r = run(dir, 240, "load", "--start", "10", "--step", "10", "--max", "20", "--step-seconds", "5",
        "--warmup", "0", "--settle", "1", "--jar", jar.toAbsolutePath().toString(),
        "--reports-dir", dir.resolve("reports").toString());
    assertEquals(0, r.exit(), r.output());
    assertTrue(r.descendantsLeft().isEmpty(), "processes left running: " + r.descendantsLeft() + "\n" + r.output());

    Path report;
    try (Stream<Path> s = Files.list(dir.resolve("reports"))) {
      List<Path> runs = s.filter(p -> p.getFileName().toString().matches("load-\\d{8}T\\d{6}Z")).toList();
      assertEquals(1, runs.size(), "one report dir load-<UTC time>: " + runs);
      report = runs.get(0);
    }
    String md = Files.readString(report.resolve("report.md"));
    assertTrue(md.contains("## Result") && md.contains("| step | offered cps |"), md);
    for (String png : PLOTS) {
      assertTrue(isPng(report.resolve(png)), png + " missing or not a PNG in " + report);
      assertTrue(md.contains("](" + png + ")"), "report.md does not show " + png);
    }
    assertTrue(Files.readString(report.resolve("summary.json")).contains("\"steps\""));

    // the table printed at the end: one row per step, every column where it should be
    List<String[]> rows = stepRows(r.output());
    assertEquals(2, rows.size(), r.output());
    int[] rates = {10, 20};
    for (int i = 0; i < 2; i++) {
      String[] c = rows.get(i);
      assertEquals(i + 1, Integer.parseInt(c[0]));
      assertEquals(rates[i], Integer.parseInt(c[1]));
      int calls = Integer.parseInt(c[2].replace(",", ""));
      assertEquals(rates[i] * 5, calls);
      int ok = Integer.parseInt(c[3].replace(",", ""));
      int failed = Integer.parseInt(c[4].replace(",", ""));
      assertTrue(ok + failed <= calls && ok > 0, "ok " + ok + " failed " + failed + " of " + calls);
      Integer.parseInt(c[5].replace(",", ""));     // unexpected messages
      assertTrue(c[8].matches("[\\d,.]+ / [\\d,.]+"), "INVITE->100 p50/p99: " + c[8]);
      assertTrue(c[9].matches("[\\d,.]+ / [\\d,.]+"), "INVITE->200 p50/p99: " + c[9]);
      Double.parseDouble(c[10].replace(",", ""));  // server CPU %
      // the JIT's share of that CPU, from the node's HotSpot counters (jcmd): a number, never n/a
      assertTrue(Double.parseDouble(c[11].replace(",", "")) >= 0, "JIT %: " + c[11]);
      Double.parseDouble(c[12].replace(",", ""));  // CPU ms per call
      assertTrue(List.of("ok", "failed calls", "behind").contains(c[15]) || c[15].startsWith("SIPp exit"), c[15]);
    }
    assertTrue(r.output().contains("Block for loadtests/RESULTS.md"), r.output());
  }

  @Test
  void badArgumentsAreRefusedBeforeAnythingStarts() throws Exception {
    Path dir = Files.createDirectories(Work.dir().resolve("sbc-load-args-" + System.nanoTime())).toAbsolutePath();
    Result above = run(dir, 30, "load", "--start", "500", "--max", "100");
    assertEquals(2, above.exit(), above.output());
    assertTrue(above.output().contains("--start 500 is above --max 100"), above.output());
    Result remote = run(dir, 30, "load", "--target", "10.0.0.1:5060");
    assertEquals(2, remote.exit(), remote.output());
    assertTrue(remote.output().contains("loopback"), remote.output());
    Result word = run(dir, 30, "soak", "--calls", "many");
    assertEquals(2, word.exit(), word.output());
    assertTrue(word.output().contains("not a whole number"), word.output());
  }

  static boolean isPng(Path p) throws IOException {
    if (!Files.isRegularFile(p) || Files.size(p) < 1000) {
      return false;
    }
    byte[] head = Arrays.copyOf(Files.readAllBytes(p), 8);
    return Arrays.equals(head, new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
  }

  /** The data rows of the step table in the tool's output, split into trimmed cells. */
  private static List<String[]> stepRows(String output) {
    List<String[]> rows = new ArrayList<>();
    boolean in = false;
    for (String line : output.split("\n")) {
      if (line.startsWith("| step | offered cps |")) {
        in = true;
        continue;
      }
      if (in && line.startsWith("|---")) {
        continue;
      }
      if (in && line.startsWith("| ")) {
        String[] cells = line.substring(2, line.length() - 2).split(" \\| ", -1);
        rows.add(Arrays.stream(cells).map(String::trim).toArray(String[]::new));
      } else if (in) {
        break;
      }
    }
    return rows;
  }
}
