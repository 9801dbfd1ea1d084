package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Without session timers, the in-dialog OPTIONS keep-alive (CUBE's options-ping) checks both
 * legs; a 481 from one of them ends the call with BYE on both.
 */
class KeepAliveIT {
  private static int uasPort;
  private static NodeProcess node;

  @BeforeAll
  static void startNode() throws Exception {
    uasPort = Ports.free();
    node = NodeProcess.start("keepalive", "sip:127.0.0.1:" + uasPort,
        "sbc.session-timer.enabled = off\nsbc.options-ping = 1s");
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void a481ToTheKeepAliveEndsTheCallOnBothLegs() throws Exception {
    try (Sipp uas = Sipp.start("uas-481", "keepalive_uas_481.xml", "u1", uasPort, "-m", "1");
        Sipp uac = Sipp.start("uac-wait", "timer_uac_wait_bye.xml", "u1", Ports.free(), "-s", "ka", "-m", "1",
            "127.0.0.1:" + node.sipPort)) {
      int exit = uac.await(60);
      String why = uac.diagnostics() + "\n" + uas.diagnostics() + "\n--- node\n" + node.tail();
      assertEquals(0, exit, "sipp uac exit code\n" + why);
      assertEquals(0, uas.await(30), "sipp uas exit code\n" + why);
      assertEquals(List.of("got OPTIONS 1", "got OPTIONS 2", "got BYE"), uas.logLines(), why);
      List<String> a = uac.logLines();
      assertTrue(a.contains("got OPTIONS"), "the caller's leg is pinged too\n" + why);
      assertEquals("got BYE", a.get(a.size() - 1), why);
      assertTrue(node.httpGet("/metrics").contains("sbc_keepalive_failures_total 1.0"), why);
    }
  }
}
