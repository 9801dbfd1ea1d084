package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real node JVM between a SIPp caller and a SIPp callee: calls over UDP and TCP complete, and
 * the callee sees the SBC's Call-IDs, never the caller's (topology hiding).
 */
class CallRelayIT {
  private static int udpUasPort;
  private static int tcpUasPort;
  private static NodeProcess node;

  @BeforeAll
  static void startNode() throws Exception {
    udpUasPort = Ports.free();
    tcpUasPort = Ports.free();
    node = NodeProcess.start("relay", "sip:127.0.0.1:" + udpUasPort,
        "sbc.routes = [{ user-prefix = \"tcp\", next-hop = \"sip:127.0.0.1:" + tcpUasPort + ";transport=tcp\" }]");
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void relays200CallsOverUdp() throws Exception {
    runCalls("udp", "u1", udpUasPort, "alice", 200, 50);
  }

  @Test
  void relays50CallsOverTcp() throws Exception {
    runCalls("tcp", "t1", tcpUasPort, "tcp-bob", 50, 25);
  }

  private void runCalls(String label, String transport, int uasPort, String user, int calls, int rate)
      throws Exception {
    try (Sipp uas = Sipp.start("uas-" + label, "uas.xml", transport, uasPort, "-m", Integer.toString(calls));
        Sipp uac = Sipp.start("uac-" + label, "uac.xml", transport, Ports.free(),
            "-s", user, "-m", Integer.toString(calls), "-r", Integer.toString(rate), "-l", Integer.toString(calls),
            "-set", "hold_ms", "200", "127.0.0.1:" + node.sipPort)) {
      int exit = uac.await(180);
      String why = uac.diagnostics() + "\n" + uas.diagnostics() + "\n--- node\n" + node.tail();
      assertEquals(0, exit, "sipp uac exit code\n" + why);
      assertEquals(calls, uac.stat("SuccessfulCall(C)"), why);
      assertEquals(0, uac.stat("FailedCall(C)"), why);
      uas.await(60);
      assertEquals(calls, uas.stat("SuccessfulCall(C)"), why);

      List<String> seen = uas.logLines().stream()
          .filter(l -> l.startsWith("call-id ")).map(l -> l.substring("call-id ".length()).trim()).toList();
      assertEquals(calls, seen.size(), "Call-IDs logged by the callee\n" + why);
      Set<String> distinct = new HashSet<>(seen);
      assertEquals(calls, distinct.size(), "each call gets its own B-leg Call-ID");
      for (String callId : seen) {
        assertTrue(callId.startsWith("sbc-"), "callee saw a Call-ID the SBC did not issue: " + callId);
        assertTrue(!callId.contains("@"), "caller's Call-ID leaked to the callee: " + callId);
      }
    }
  }
}
