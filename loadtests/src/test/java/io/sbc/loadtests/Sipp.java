package io.sbc.loadtests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/** A SIPp process (Debian's sip-tester) on loopback, stopped by PID. */
final class Sipp implements AutoCloseable {
  final String name;
  final Path dir;
  final int port;
  private final Process process;
  private final ReapOnExit reaper;

  private Sipp(String name, Path dir, int port, Process process) {
    this.name = name;
    this.dir = dir;
    this.port = port;
    this.process = process;
    this.reaper = ReapOnExit.kill("sipp-" + name, process.toHandle());
  }

  /**
   * Starts SIPp with a scenario file. {@code transport} is {@code u1} or {@code t1};
   * {@code args} are extra arguments (e.g. "-m", "200", "127.0.0.1:5060").
   */
  static Sipp start(String name, String scenario, String transport, int port, String... args)
      throws IOException {
    Path dir = Files.createDirectories(Work.dir().resolve("sipp-" + name + "-" + System.nanoTime()));
    List<String> cmd = new ArrayList<>(List.of(
        "sipp", "-sf", Work.scenario(scenario).toAbsolutePath().toString(),
        "-i", "127.0.0.1", "-p", Integer.toString(port), "-t", transport,
        "-nostdin", "-max_socket", "1024",
        "-trace_stat", "-stf", dir.resolve("stat.csv").toString(), "-fd", "1",
        "-trace_err", "-error_file", dir.resolve("errors.log").toString(),
        "-trace_logs", "-log_file", dir.resolve("calls.log").toString()));
    cmd.addAll(Arrays.asList(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    pb.redirectErrorStream(true).redirectOutput(dir.resolve("screen.log").toFile());
    return new Sipp(name, dir, port, pb.start());
  }

  /** Waits for SIPp to exit by itself; kills it and fails when it takes longer than the limit. */
  int await(long seconds) throws Exception {
    if (!process.waitFor(seconds, TimeUnit.SECONDS)) {
      close();
      throw new AssertionError("sipp " + name + " did not finish within " + seconds + " s; see " + dir);
    }
    return process.exitValue();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  long pid() {
    return process.pid();
  }

  /**
   * Keys for SIPp's remote control (started with {@code -cp port}): e.g. "p" pauses or resumes new
   * calls, "q" stops making calls and exits once the running ones are over.
   */
  static void control(int controlPort, String keys) throws IOException {
    byte[] bytes = keys.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    try (java.net.DatagramSocket socket = new java.net.DatagramSocket()) {
      socket.send(new java.net.DatagramPacket(bytes, bytes.length,
          new java.net.InetSocketAddress("127.0.0.1", controlPort)));
    }
  }

  /**
   * Warm-up calls ({@code perGateway} short calls through each of {@code gateways}, one after the
   * other) to a callee on {@code uasPort}, so that the measured calls meet warm JVMs. Not asserted:
   * absorbing a cold start is what it is for. Waits for the callee too (at most 30 s), since a BYE
   * still on its way to a callee killed early would reach the next test's callee on that port.
   */
  static void warmUp(String name, List<NodeProcess> gateways, int uasPort, int perGateway) throws Exception {
    try (Sipp uas = start("uas-" + name + "-warmup", "uas.xml", "u1", uasPort, "-m",
        Integer.toString(perGateway * gateways.size()))) {
      for (NodeProcess n : gateways) {
        try (Sipp uac = start("uac-" + name + "-warmup", "uac.xml", "u1", Ports.free(), "-m", Integer.toString(perGateway),
            "-r", "10", "-set", "hold_ms", "200", "127.0.0.1:" + n.sipPort)) {
          uac.await(90);
        }
      }
      uas.awaitOrClose(30);
    }
  }

  /** Lets SIPp finish by itself for up to {@code seconds}, then stops it; for callees whose result does not count. */
  void awaitOrClose(long seconds) throws Exception {
    if (process.isAlive() && !process.waitFor(seconds, TimeUnit.SECONDS)) {
      close();
    }
  }

  /** The response times (ms) of one rtd of a UAC run with {@code -trace_rtt -rtt_freq 1}. */
  List<Long> responseTimes(int rtd) throws IOException {
    List<Long> out = new ArrayList<>();
    try (java.util.stream.Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(p -> p.getFileName().toString().endsWith("_rtt.csv")).toList()) {
        for (String line : Files.readAllLines(f)) {
          String[] cols = line.split(";");
          if (cols.length >= 3 && cols[2].trim().equals(Integer.toString(rtd))) {
            out.add(Math.round(Double.parseDouble(cols[1].trim())));
          }
        }
      }
    }
    return out;
  }

  /** The last row of SIPp's statistics file, by column name. */
  Map<String, String> lastStats() throws IOException {
    List<String> lines = Files.readAllLines(dir.resolve("stat.csv"));
    if (lines.size() < 2) {
      throw new AssertionError("sipp " + name + " wrote no statistics; see " + dir);
    }
    String[] head = lines.get(0).split(";");
    String[] last = lines.get(lines.size() - 1).split(";");
    Map<String, String> out = new TreeMap<>();
    for (int i = 0; i < Math.min(head.length, last.length); i++) {
      out.put(head[i].trim(), last[i].trim());
    }
    return out;
  }

  long stat(String column) throws IOException {
    String v = lastStats().get(column);
    if (v == null) {
      throw new AssertionError("sipp statistics have no column " + column + ": " + lastStats().keySet());
    }
    return Long.parseLong(v);
  }

  /** Lines the scenario's log actions wrote. */
  /**
   * For a callee that logs "call-id ..." per INVITE: waits until {@code total} calls reached it
   * (at most 30 s), then a moment for their ACKs.
   */
  void awaitCalleeCalls(int total) throws Exception {
    long end = System.currentTimeMillis() + 30_000;
    while (logLines().stream().filter(l -> l.startsWith("call-id ")).count() < total) {
      if (System.currentTimeMillis() > end) {
        throw new AssertionError("not all calls reached the callee\n" + diagnostics());
      }
      Thread.sleep(200);
    }
    Thread.sleep(1500); // the last ACKs
  }

  /**
   * An offer-less INVITE from a UDP socket of a test's own on {@code fromPort} to {@code user} at the
   * node's {@code sipPort}, for probes that SIPp scenarios cannot make (one datagram, no dialog).
   */
  static byte[] bareInvite(String user, int sipPort, int fromPort, String callId) {
    String text = "INVITE sip:" + user + "@127.0.0.1:" + sipPort + " SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP 127.0.0.1:" + fromPort + ";branch=z9hG4bK" + callId + ";rport\r\n"
        + "Max-Forwards: 70\r\n"
        + "From: <sip:probe@127.0.0.1:" + fromPort + ">;tag=p" + Math.abs(callId.hashCode()) + "\r\n"
        + "To: <sip:" + user + "@127.0.0.1:" + sipPort + ">\r\n"
        + "Call-ID: " + callId + "\r\n"
        + "CSeq: 1 INVITE\r\n"
        + "Contact: <sip:probe@127.0.0.1:" + fromPort + ">\r\n"
        + "Content-Length: 0\r\n\r\n";
    return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  List<String> logLines() throws IOException {
    Path p = dir.resolve("calls.log");
    return Files.exists(p) ? Files.readAllLines(p) : List.of();
  }

  String diagnostics() {
    StringBuilder sb = new StringBuilder("sipp " + name + " in " + dir + "\n");
    for (String f : List.of("errors.log", "screen.log")) {
      try {
        List<String> lines = Files.readAllLines(dir.resolve(f));
        sb.append("--- ").append(f).append('\n')
            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()))).append('\n');
      } catch (IOException e) {
        sb.append("--- ").append(f).append(": ").append(e.getMessage()).append('\n');
      }
    }
    return sb.toString();
  }

  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    }
    reaper.close();
  }
}
