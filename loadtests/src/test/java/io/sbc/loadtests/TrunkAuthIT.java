package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A route with the SBC's own credentials (password from the node's environment): the trunk, a SIPp
 * UAS, challenges every INVITE with a 401 (MD5, qop=auth) and checks the Authorization of the
 * INVITE that comes again with SIPp's own digest verification (verifyauth); the SIPp caller sees
 * no challenge, only its calls answered. A wrong password fails the calls (the test can fail).
 */
class TrunkAuthIT {
  private static int trunkPort;
  private static int wrongTrunkPort;
  private static NodeProcess node;

  @BeforeAll
  static void startNode() throws Exception {
    trunkPort = Ports.free();
    wrongTrunkPort = Ports.free();
    node = NodeProcess.start("trunk-auth", "sip:127.0.0.1:" + Ports.free(),
        "sbc.routes = [{ name = trunk, user-prefix = \"trunk\", next-hop = \"sip:127.0.0.1:" + trunkPort + "\","
            + " auth { username = sbc, password-env = TRUNK1_PASSWORD, realm = \"trunk.example\" } },"
            + " { name = wrong, user-prefix = \"wrong\", next-hop = \"sip:127.0.0.1:" + wrongTrunkPort + "\","
            + " auth { username = sbc, password-env = TRUNK2_PASSWORD } }]",
        Map.of("TRUNK1_PASSWORD", "s3cret-trunk", "TRUNK2_PASSWORD", "not-the-password"));
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void theSbcAnswersTheTrunksChallengeAndSippVerifiesIt() throws Exception {
    int calls = 5;
    try (Sipp uas = Sipp.start("uas-auth", "uas_auth.xml", "u1", trunkPort, "-m", Integer.toString(calls));
        Sipp uac = Sipp.start("uac-auth", "uac.xml", "u1", Ports.free(), "-s", "trunk-4930123", "-m",
            Integer.toString(calls), "-r", "5", "-set", "hold_ms", "200", "127.0.0.1:" + node.sipPort)) {
      int exit = uac.await(90);
      String why = uac.diagnostics() + "\n" + uas.diagnostics() + "\n--- node\n" + node.tail();
      assertEquals(0, exit, "sipp uac exit code\n" + why);
      assertEquals(calls, uac.stat("SuccessfulCall(C)"), why);
      assertEquals(0, uas.await(60), "sipp uas exit code\n" + why);
      assertEquals(calls, uas.stat("SuccessfulCall(C)"), why);
      assertEquals(calls, uas.logLines().stream().filter(l -> l.equals("authorized true")).count(), why);
    }
  }

  @Test
  void aWrongPasswordFailsTheCallsWith403() throws Exception {
    try (Sipp uas = Sipp.start("uas-auth-wrong", "uas_auth.xml", "u1", wrongTrunkPort, "-m", "1");
        Sipp uac = Sipp.start("uac-auth-wrong", "uac.xml", "u1", Ports.free(), "-s", "wrong-4930123", "-m", "1",
            "127.0.0.1:" + node.sipPort)) {
      uac.await(60);
      uas.await(60);
      String why = uac.diagnostics() + "\n" + uas.diagnostics();
      assertEquals(0, uac.stat("SuccessfulCall(C)"), why);
      assertEquals(1, uac.stat("FailedCall(C)"), why);
      assertTrue(uas.logLines().contains("authorized false"), "the trunk refused the digest\n" + why);
      assertTrue(String.join("\n", uac.logLines()).contains("403") || uac.diagnostics().contains("403"), why);
    }
  }
}
