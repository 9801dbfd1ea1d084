package io.sbc.loadtests;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The cluster's front as shipped ({@code deploy/front/kamailio-front.cfg}, Debian package
 * {@code kamailio}) on loopback, started by the test in the foreground of its own process and
 * stopped by PID. Fails loudly when Kamailio is not installed ({@code run-tests.sh} installs it).
 */
final class FrontProcess implements AutoCloseable {
  final int port;
  final int egressPort;
  final Path log;
  private final Process process;
  private final ReapOnExit reaper;

  private FrontProcess(int port, int egressPort, Path log, Process process) {
    this.port = port;
    this.egressPort = egressPort;
    this.log = log;
    this.process = process;
    this.reaper = ReapOnExit.kill("front", process.toHandle());
  }

  /** A front on free ports before the nodes at {@code nodeSipPorts} (127.0.0.1); see {@link #awaitUp}. */
  static FrontProcess start(String name, List<Integer> nodeSipPorts) throws Exception {
    Path cfg = Path.of("..", "deploy", "front", "kamailio-front.cfg").toAbsolutePath().normalize();
    if (!Files.exists(Path.of("/usr/sbin/kamailio"))) {
      throw new IllegalStateException("kamailio is not installed (apt-get install kamailio; run-tests.sh does it)");
    }
    Path dir = Files.createDirectories(Work.dir().resolve("front-" + name + "-" + System.nanoTime())).toAbsolutePath();
    List<String> list = new ArrayList<>();
    for (int p : nodeSipPorts) {
      list.add("1 sip:127.0.0.1:" + p);
    }
    Files.write(dir.resolve("dispatcher.list"), list);
    int port = Ports.free();
    int egress = Ports.free();
    Path log = dir.resolve("front.log");
    Process p = new ProcessBuilder("/usr/sbin/kamailio", "-DD", "-E", "-f", cfg.toString(), "-Y", dir.toString(),
        "-P", dir.resolve("kamailio.pid").toString(), "-m", "64", "-M", "8",
        "-A", "FRONT_IP=127.0.0.1", "-A", "FRONT_PORT=" + port, "-A", "EGRESS_PORT=" + egress,
        "-A", "FRONT_SOCKET=\"udp:127.0.0.1:" + port + "\"",
        "-A", "DISPATCHER_LIST=\"" + dir.resolve("dispatcher.list") + "\"",
        "-A", "PING_FROM=\"sip:front@127.0.0.1:" + port + "\"")
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    return new FrontProcess(port, egress, log, p);
  }

  /** Waits (30 s at most) until the front's probes have found {@code count} nodes up. */
  void awaitUp(int count) throws Exception {
    long end = System.currentTimeMillis() + 30_000;
    while (upCount() < count) {
      if (!process.isAlive() || System.currentTimeMillis() > end) {
        throw new IllegalStateException("the front did not see " + count + " nodes up:\n" + tail());
      }
      Thread.sleep(200);
    }
  }

  /** Nodes whose last state in the front's log is up (it logs each change, see the config). */
  long upCount() throws IOException {
    java.util.Map<String, Boolean> up = new java.util.HashMap<>();
    java.util.regex.Matcher m = STATE.matcher(Files.readString(log));
    while (m.find()) {
      up.put(m.group(1), m.group(2).equals("up"));
    }
    return up.values().stream().filter(b -> b).count();
  }

  private static final java.util.regex.Pattern STATE = java.util.regex.Pattern.compile("SBC node (\\S+) is (up|down)");

  String tail() throws IOException {
    List<String> lines = Files.readAllLines(log);
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }

  /** The node config that puts the front's address in Contact and sends requests to peers through it. */
  String nodeConfig() {
    return "sbc.sip.front { address = \"127.0.0.1:" + port + "\", egress = \"127.0.0.1:" + egressPort + "\" }\n";
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    reaper.close();
  }
}
