package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Calls that do not get answered: a caller's CANCEL reaches the ringing callee and the caller
 * gets 200 (CANCEL) + 487; a 486 from the callee reaches the caller (and both ACKs happen).
 */
class CallFailureIT {
  private static int ringingUasPort;
  private static int busyUasPort;
  private static NodeProcess node;

  @BeforeAll
  static void startNode() throws Exception {
    ringingUasPort = Ports.free();
    busyUasPort = Ports.free();
    node = NodeProcess.start("failures", "sip:127.0.0.1:" + ringingUasPort,
        "sbc.routes = [{ user-prefix = \"busy\", next-hop = \"sip:127.0.0.1:" + busyUasPort + "\" }]");
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void cancelFromCallerEndsWith487() throws Exception {
    int calls = 20;
    try (Sipp uas = Sipp.start("uas-ringing", "uas_ring_no_answer.xml", "u1", ringingUasPort, "-m", Integer.toString(calls));
        Sipp uac = Sipp.start("uac-cancel", "uac_cancel.xml", "u1", Ports.free(),
            "-s", "carol", "-m", Integer.toString(calls), "-r", "10", "127.0.0.1:" + node.sipPort)) {
      assertCallsSucceeded(uac, calls, uas);
    }
  }

  @Test
  void busyFromCalleeReachesCaller() throws Exception {
    int calls = 20;
    try (Sipp uas = Sipp.start("uas-busy", "uas_486.xml", "u1", busyUasPort, "-m", Integer.toString(calls));
        Sipp uac = Sipp.start("uac-busy", "uac_expect_486.xml", "u1", Ports.free(),
            "-s", "busy-dave", "-m", Integer.toString(calls), "-r", "10", "127.0.0.1:" + node.sipPort)) {
      assertCallsSucceeded(uac, calls, uas);
    }
  }

  /** Both SIPp scenarios treat their expected flow as success: any deviation is a failed call. */
  private void assertCallsSucceeded(Sipp uac, int calls, Sipp uas) throws Exception {
    int exit = uac.await(120);
    String why = uac.diagnostics() + "\n" + uas.diagnostics() + "\n--- node\n" + node.tail();
    assertEquals(0, exit, "sipp uac exit code\n" + why);
    assertEquals(calls, uac.stat("SuccessfulCall(C)"), why);
    assertEquals(0, uac.stat("FailedCall(C)"), why);
    assertEquals(0, uas.await(60), "sipp uas exit code\n" + why);
    assertEquals(calls, uas.stat("SuccessfulCall(C)"), why);
  }
}
