package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each midcall-signaling policy against the five kinds of midcall request (re-INVITE without
 * SDP, with the same SDP, adding video, switching to T.38, UPDATE without SDP), through a real
 * node: what the caller gets back and which requests reach the callee. One node; each policy is
 * a route override, selected by the called number's prefix.
 */
class MidcallPolicyIT {
  private static final List<String> CASES =
      List.of("refresh-nosdp", "refresh-samesdp", "add-video", "t38", "update-refresh");
  private static int uasPort;
  private static NodeProcess node;

  @BeforeAll
  static void startNode() throws Exception {
    uasPort = Ports.free();
    String hop = "sip:127.0.0.1:" + uasPort;
    StringBuilder routes = new StringBuilder("sbc.routes = [\n");
    for (String policy : List.of("passthru", "passthru-media-change", "block", "preserve-codec", "none")) {
      routes.append("{ name = \"").append(policy).append("\", user-prefix = \"").append(policy)
          .append(".\", next-hop = \"").append(hop).append("\", midcall-policy = ").append(policy).append(" }\n");
    }
    node = NodeProcess.start("midcall", hop, routes.append("]").toString());
  }

  @AfterAll
  static void stopNode() throws Exception {
    if (node != null) {
      node.close();
    }
  }

  /**
   * {@code caller}: the caller's final status per case, in order; {@code callee}: the cases that
   * reached the callee (with whether they carried SDP), in order.
   */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "passthru              | 200 200 200 200 200 | refresh-nosdp:no refresh-samesdp:yes add-video:yes t38:yes update-refresh:no",
      "passthru-media-change | 200 200 200 200 200 | add-video:yes t38:yes",
      "block                 | 200 200 488 488 200 | ''",
      "preserve-codec        | 200 200 488 488 200 | refresh-nosdp:no refresh-samesdp:yes update-refresh:no",
      "none                  | 200 200 488 200 200 | t38:yes",
  })
  void policyDecidesWhatIsRelayedAnsweredOrRejected(String policy, String caller, String callee) throws Exception {
    try (Sipp uas = Sipp.start("uas-" + policy, "uas_reinvite_matrix.xml", "u1", uasPort, "-m", "1");
        Sipp uac = Sipp.start("uac-" + policy, "uac_reinvite_matrix.xml", "u1", Ports.free(),
            "-s", policy + ".1000", "-m", "1", "127.0.0.1:" + node.sipPort)) {
      int exit = uac.await(60);
      String why = uac.diagnostics() + "\n" + uas.diagnostics() + "\n--- node\n" + node.tail();
      assertEquals(0, exit, "sipp uac exit code\n" + why);
      assertEquals(0, uas.await(30), "sipp uas exit code\n" + why);

      List<String> results = uac.logLines().stream().filter(l -> l.startsWith("result ")).collect(Collectors.toList());
      List<String> expected = new java.util.ArrayList<>();
      String[] statuses = caller.trim().split("\\s+");
      for (int i = 0; i < CASES.size(); i++) {
        expected.add("result " + CASES.get(i) + " " + statuses[i]);
      }
      assertEquals(expected, results, why);

      List<String> reached = uas.logLines().stream().filter(l -> l.startsWith("got "))
          .map(l -> l.split(" ")[2] + ":" + l.split("sdp=")[1]).collect(Collectors.toList());
      List<String> expectedReached = callee.isBlank() ? List.of() : List.of(callee.trim().split("\\s+"));
      assertEquals(expectedReached, reached, why);
    }
    String metrics = node.httpGet("/metrics");
    assertTrue(metrics.contains("sbc_midcall_decisions_total{action=") && metrics.contains("policy=\"" + policy + "\""),
        "decisions counted per policy and action:\n" + metrics);
  }
}
