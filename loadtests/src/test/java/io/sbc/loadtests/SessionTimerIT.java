package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * RFC 4028 session timers through a real node, per leg: 422 in both directions, the SBC
 * refreshing a peer without timer support, a session nobody refreshes ending with BYE on both
 * legs, and an SBC refresh meeting glare (491) being retried. Short intervals: the SBC asks for
 * 8 s and accepts no less than 6 s.
 */
class SessionTimerIT {
  private static final List<String> KINDS = List.of("negotiate", "plain", "silent", "glare");
  private static final int[] UAS_PORTS = new int[KINDS.size()];
  private static NodeProcess node;

  @BeforeAll
  static void startNode() throws Exception {
    StringBuilder routes = new StringBuilder("sbc.session-timer { session-expires = 8s, min-se = 6s }\nsbc.routes = [\n");
    for (int i = 0; i < KINDS.size(); i++) {
      UAS_PORTS[i] = Ports.free();
      routes.append("{ user-prefix = \"").append(KINDS.get(i)).append(".\", next-hop = \"sip:127.0.0.1:")
          .append(UAS_PORTS[i]).append("\" }\n");
    }
    node = NodeProcess.start("timers", "sip:127.0.0.1:" + UAS_PORTS[0], routes.append("]").toString());
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  private static int uasPort(String kind) {
    return UAS_PORTS[KINDS.indexOf(kind)];
  }

  @Test
  void intervalsAreNegotiatedWith422InBothDirections() throws Exception {
    try (Sipp uas = Sipp.start("uas-422", "timer_uas_422.xml", "u1", uasPort("negotiate"), "-m", "1", "-set", "minse", "10");
        Sipp uac = Sipp.start("uac-422", "timer_uac_422.xml", "u1", Ports.free(), "-s", "negotiate.1", "-m", "1",
            "-set", "se", "2", "-set", "refresh_ms", "3000", "127.0.0.1:" + node.sipPort)) {
      String why = finish(uac, uas);
      // A-leg: the caller asked for 2 s, the SBC's Min-SE is 6 s; the caller refreshes it.
      assertEquals(List.of("got 422 min-se 6", "200 session-expires 6;refresher=uac", "refreshed 1", "refreshed 2"),
          uac.logLines(), why);
      // B-leg: the SBC asked for 8 s, the callee wants 10 s and makes the SBC the refresher.
      List<String> b = uas.logLines();
      assertEquals("sent 422 to 8", b.get(0), why);
      assertTrue(b.get(1).startsWith("retry session-expires 10"), why);
      assertTrue(b.stream().filter(l -> l.equals("got UPDATE")).count() >= 2, "the caller's refreshes reach B\n" + why);
      assertEquals("got BYE", b.get(b.size() - 1), why);
    }
  }

  @Test
  void aCalleeWithoutTimerSupportHasNoSessionExpiryOnItsLeg() throws Exception {
    try (Sipp uas = Sipp.start("uas-plain", "timer_uas_plain.xml", "u1", uasPort("plain"), "-m", "1");
        Sipp uac = Sipp.start("uac-hold", "timer_uac_hold.xml", "u1", Ports.free(), "-s", "plain.1", "-m", "1",
            "-set", "hold_ms", "7000", "127.0.0.1:" + node.sipPort)) {
      String why = finish(uac, uas);
      // 8 s asked, a 2xx without Session-Expires: no timer on B (RFC 4028 §7.2), so neither a
      // refresh at 4 s nor an expiry at 5.3 s; the call lasts until the caller's BYE at 7 s.
      // (SessionTimerKeepAliveIT: the SBC configured to keep such legs alive.)
      assertEquals(List.of("got BYE"), uas.logLines(), why);
    }
  }

  @Test
  void aSessionNobodyRefreshesEndsWithByeOnBothLegs() throws Exception {
    long expiredBefore = node.counter("sbc_sessions_expired_total");
    long start = System.currentTimeMillis();
    try (Sipp uas = Sipp.start("uas-silent", "timer_uas_silent.xml", "u1", uasPort("silent"), "-m", "1");
        Sipp uac = Sipp.start("uac-wait", "timer_uac_wait_bye.xml", "u1", Ports.free(), "-s", "silent.1", "-m", "1",
            "127.0.0.1:" + node.sipPort)) {
      String why = finish(uac, uas);
      long took = System.currentTimeMillis() - start;
      assertEquals(List.of("got BYE"), uac.logLines(), why);
      assertEquals(List.of("got BYE"), uas.logLines(), why);
      // B's interval is 8 s, its deadline 8 - 8/3 = 5.3 s after the answer (RFC 4028 §10).
      assertTrue(took < 15_000, "BYE after " + took + " ms\n" + why);
      assertEquals(expiredBefore + 1, node.counter("sbc_sessions_expired_total"));
    }
  }

  @Test
  void anSbcRefreshMeetingGlareIsRetriedAfterTheSection14Interval() throws Exception {
    // The callee picks 30 s with the SBC as refresher: refresh at 15 s, deadline at 20 s, room
    // for the 2.1-4 s wait of the Call-ID owner (RFC 3261 §14.1).
    try (Sipp uas = Sipp.start("uas-glare", "timer_uas_glare.xml", "u1", uasPort("glare"), "-m", "1", "-set", "se", "30");
        Sipp uac = Sipp.start("uac-hold-long", "timer_uac_hold.xml", "u1", Ports.free(), "-s", "glare.1", "-m", "1",
            "-set", "hold_ms", "22000", "127.0.0.1:" + node.sipPort)) {
      String why = finish(uac, uas);
      assertEquals(List.of("sent 491", "got INVITE sdp=yes", "got BYE"), uas.logLines(), why);
    }
  }

  private static String finish(Sipp uac, Sipp uas) throws Exception {
    int exit = uac.await(90);
    String why = uac.diagnostics() + "\n" + uas.diagnostics() + "\n--- node\n" + node.tail();
    assertEquals(0, exit, "sipp uac exit code\n" + why);
    assertEquals(0, uas.await(30), "sipp uas exit code\n" + why);
    return why;
  }
}
