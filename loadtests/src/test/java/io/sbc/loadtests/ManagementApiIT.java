package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The SBC's management routes against real nodes over HTTP: the cluster-wide midcall policy and a
 * route's override (with the 401/403/400/404 paths, and a real call that obeys a change made at
 * runtime), the route table and the session-timer settings replaced at runtime on one node and in
 * force for new calls through the other, and draining (503 to new INVITEs on the SIP socket,
 * {@code /ready} false, calls again after the drain ends). Two nodes form one cluster (each with
 * its own H2 journal, enough for calls that never fail over) with the same {@code sbc.routes}:
 * {@code node} has an admin token, {@code tokenless} none.
 */
class ManagementApiIT {
  private static final String TOKEN = "it-admin-token";
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static int uasPort;
  private static String hop;
  private static NodeProcess node;
  private static NodeProcess tokenless;

  @BeforeAll
  static void startNodes() throws Exception {
    uasPort = Ports.free();
    hop = "sip:127.0.0.1:" + uasPort;
    String routes = "sbc.routes = [{ name = \"uk\", user-prefix = \"44\", next-hop = \"" + hop + "\" }]\n";
    node = NodeProcess.start("management", hop, "sbc.http.admin-token = \"" + TOKEN + "\"\n" + routes);
    tokenless = NodeProcess.start("management-tokenless", hop,
        "sbc.cluster.seed-nodes = \"127.0.0.1:" + node.clusterPort + "\"\n" + routes);
    long end = System.currentTimeMillis() + 60_000;
    while (node.upMembers() < 2 || tokenless.upMembers() < 2) {
      if (System.currentTimeMillis() > end) {
        throw new AssertionError("cluster did not form: " + node.httpGet("/cluster/members"));
      }
      Thread.sleep(250);
    }
    // a few calls through each node first: the first cross-node hops of cold JVMs exceed T1
    Sipp.warmUp("management", List.of(node, tokenless), uasPort, 4);
  }

  @AfterAll
  static void stopNodes() throws Exception {
    for (NodeProcess n : new NodeProcess[] {tokenless, node}) {
      if (n != null) {
        n.close();
      }
    }
  }

  @Test
  void thePolicyChangesAtRuntimeBehindTheTokenAndRunningCallsObeyIt() throws Exception {
    assertEquals("{\"policy\":\"passthru\",\"configured\":\"passthru\",\"runtime\":null,\"route-overrides\":{},"
        + "\"routes\":{\"default\":\"passthru\",\"uk\":\"passthru\"},\"session-timer\":{\"enabled\":true,"
        + "\"session-expires\":1800,\"min-se\":90,\"configured\":{\"enabled\":true,\"session-expires\":1800,"
        + "\"min-se\":90},\"runtime\":null}}", call(node, "GET", "/sbc/policy", null, null).body());

    HttpResponse<String> noToken = call(node, "PUT", "/sbc/policy", null, "{\"policy\":\"block\"}");
    assertEquals(401, noToken.statusCode(), noToken.body());
    assertEquals("Bearer", noToken.headers().firstValue("WWW-Authenticate").orElse(""));
    assertEquals(401, call(node, "PUT", "/sbc/policy", "not-" + TOKEN, "{\"policy\":\"block\"}").statusCode());
    HttpResponse<String> notJson = call(node, "PUT", "/sbc/policy", TOKEN, "{policy: block");
    assertEquals(400, notJson.statusCode());
    assertTrue(notJson.body().startsWith("{\"error\":\"body is not JSON"), notJson.body());
    HttpResponse<String> unknown = call(node, "PUT", "/sbc/policy", TOKEN, "{\"policy\":\"sometimes\"}");
    assertEquals(400, unknown.statusCode());
    assertTrue(unknown.body().contains("unknown midcall-signaling policy 'sometimes'"), unknown.body());
    HttpResponse<String> unknownField = call(node, "PUT", "/sbc/policy", TOKEN, "{\"mode\":\"block\"}");
    assertEquals(400, unknownField.statusCode());
    assertEquals("{\"error\":\"unknown field 'mode' (known: policy, session-timer)\"}", unknownField.body());
    assertTrue(call(node, "GET", "/sbc/policy", null, null).body().contains("\"runtime\":null"), "nothing changed");

    HttpResponse<String> set = call(node, "PUT", "/sbc/policy", TOKEN, "{\"policy\":\"BLOCK\"}");
    assertEquals(200, set.statusCode(), set.body());
    assertEquals("{\"policy\":\"block\"}", set.body());
    // the call's entity may live on either node
    awaitBody(node, "/sbc/policy", "\"policy\":\"block\",\"configured\":\"passthru\",\"runtime\":\"block\"");
    awaitBody(tokenless, "/sbc/policy", "\"policy\":\"block\",\"configured\":\"passthru\",\"runtime\":\"block\"");

    // A call on the default route now gets block: refreshes answered here, media changes 488, nothing relayed.
    try (Sipp uas = Sipp.start("uas-runtime-block", "uas_reinvite_matrix.xml", "u1", uasPort, "-m", "1");
        Sipp uac = Sipp.start("uac-runtime-block", "uac_reinvite_matrix.xml", "u1", Ports.free(),
            "-s", "1000", "-m", "1", "127.0.0.1:" + node.sipPort)) {
      int exit = uac.await(60);
      String why = uac.diagnostics() + "\n" + uas.diagnostics() + "\n--- node\n" + node.tail();
      assertEquals(0, exit, why);
      assertEquals(0, uas.await(30), why);
      List<String> results = uac.logLines().stream().filter(l -> l.startsWith("result ")).collect(Collectors.toList());
      assertEquals(List.of("result refresh-nosdp 200", "result refresh-samesdp 200", "result add-video 488",
          "result t38 488", "result update-refresh 200"), results, why);
      assertEquals(List.of(), uas.logLines().stream().filter(l -> l.startsWith("got ")).collect(Collectors.toList()), why);
    }

    assertEquals(404, call(node, "PUT", "/sbc/routes/nosuch/policy", TOKEN, "{\"policy\":\"none\"}").statusCode());
    assertEquals(401, call(node, "PUT", "/sbc/routes/uk/policy", null, "{\"policy\":\"none\"}").statusCode());
    HttpResponse<String> route = call(node, "PUT", "/sbc/routes/uk/policy", TOKEN, "{\"policy\":\"none\"}");
    assertEquals(200, route.statusCode(), route.body());
    awaitBody(node, "/sbc/policy", "\"route-overrides\":{\"uk\":\"none\"},\"routes\":{\"default\":\"block\",\"uk\":\"none\"}");
    assertEquals(200, call(node, "DELETE", "/sbc/routes/uk/policy", TOKEN, null).statusCode());
    awaitBody(node, "/sbc/policy", "\"route-overrides\":{},\"routes\":{\"default\":\"block\",\"uk\":\"block\"}");
    assertEquals(200, call(node, "DELETE", "/sbc/policy", TOKEN, null).statusCode());
    awaitBody(node, "/sbc/policy", "\"policy\":\"passthru\",\"configured\":\"passthru\",\"runtime\":null");
    awaitBody(tokenless, "/sbc/policy", "\"policy\":\"passthru\",\"configured\":\"passthru\",\"runtime\":null");
  }

  /**
   * Pekko Management's cluster routes: reads open, a member's leave or down behind the admin token
   * (the leave with the token itself is RollingUpgradeIT's, where node 2 leaves that way).
   */
  @Test
  void clusterMemberReadsAreOpenAndItsWritesNeedTheToken() throws Exception {
    HttpResponse<String> members = call(node, "GET", "/cluster/members", null, null);
    assertEquals(200, members.statusCode(), members.body());
    assertTrue(members.body().contains("127.0.0.1:" + tokenless.clusterPort), members.body());
    String member = "/cluster/members/pekko://sbc@127.0.0.1:" + tokenless.clusterPort;
    assertEquals(401, call(node, "DELETE", member, null, null).statusCode());
    assertEquals(401, call(node, "PUT", member, "not-" + TOKEN, null).statusCode());
    assertEquals(403, call(tokenless, "DELETE", member, TOKEN, null).statusCode(), "no token configured there");
    assertEquals(2, node.upMembers(), "nobody left");
  }

  @Test
  void aDrainingNodeRefusesNewCallsAndIsNotReadyUntilTheDrainEnds() throws Exception {
    assertEquals(200, call(node, "GET", "/ready", null, null).statusCode());
    assertEquals(401, call(node, "POST", "/sbc/drain", null, null).statusCode());
    HttpResponse<String> drain = call(node, "POST", "/sbc/drain", TOKEN, null);
    assertEquals(200, drain.statusCode(), drain.body());
    assertTrue(drain.body().startsWith("{\"draining\":true"), drain.body());
    assertNotEquals(200, call(node, "GET", "/ready", null, null).statusCode(), "a draining node is not ready");

    String answer = inviteOverUdp(node.sipPort, "drain-it-1");
    assertTrue(answer.startsWith("SIP/2.0 503 Service Unavailable (draining)"), answer);
    assertTrue(answer.contains("Retry-After: 5"), answer);
    assertTrue(call(node, "GET", "/sbc/drain", null, null).body().contains("\"refused\":1"));
    assertEquals(1, node.counter("sbc_calls_refused_draining_total"));
    // the front's keep-alive probe learns it too, so that new calls go to other nodes
    String probe = optionsOverUdp(node.sipPort, "drain-it-probe-1");
    assertTrue(probe.startsWith("SIP/2.0 503 Service Unavailable (draining)"), probe);
    assertTrue(probe.contains("Retry-After: 5"), probe);

    assertEquals(200, call(node, "DELETE", "/sbc/drain", TOKEN, null).statusCode());
    assertEquals(200, call(node, "GET", "/ready", null, null).statusCode());
    String ready = optionsOverUdp(node.sipPort, "drain-it-probe-2");
    assertTrue(ready.startsWith("SIP/2.0 200 OK"), ready);
    try (Sipp uas = Sipp.start("uas-after-drain", "uas.xml", "u1", uasPort, "-m", "1");
        Sipp uac = Sipp.start("uac-after-drain", "uac.xml", "u1", Ports.free(), "-m", "1", "127.0.0.1:" + node.sipPort)) {
      assertEquals(0, uac.await(30), uac.diagnostics() + "\n" + node.tail());
      assertEquals(0, uas.await(30), uas.diagnostics());
    }
  }

  @Test
  void anOperatorSeesTheCallsOfTheNodeAndHangsOneUpWithAReason() throws Exception {
    Path uasMessages = Work.dir().resolve("calls-api-uas-" + System.nanoTime() + ".log");
    try (Sipp uas = Sipp.start("uas-calls-api", "timer_uas_plain.xml", "u1", uasPort, "-m", "1",
            "-trace_msg", "-message_file", uasMessages.toString());
        Sipp uac = Sipp.start("uac-calls-api", "timer_uac_wait_bye.xml", "u1", Ports.free(), "-s", "1000", "-m", "1",
            "127.0.0.1:" + node.sipPort)) {
      String list = "";
      for (int i = 0; i < 50 && !list.contains("\"phase\":\"CONFIRMED\""); i++) {
        Thread.sleep(100);
        list = call(node, "GET", "/sbc/calls?cluster=true", null, null).body();
      }
      assertTrue(list.startsWith("{\"scope\":\"cluster\""), list);
      Matcher id = Pattern.compile("\"id\":\"([^\"]+)\",\"phase\":\"CONFIRMED\",\"route\":\"default\"").matcher(list);
      assertTrue(id.find(), list);
      String callId = id.group(1);
      // The entity lives on one node of the two, and only that node lists it as its own.
      String own = call(node, "GET", "/sbc/calls", null, null).body();
      String other = call(tokenless, "GET", "/sbc/calls", null, null).body();
      assertTrue(own.startsWith("{\"scope\":\"node\"") && other.startsWith("{\"scope\":\"node\""), own + "\n" + other);
      assertTrue(own.contains("\"id\":\"" + callId + "\"") != other.contains("\"id\":\"" + callId + "\""),
          "listed by exactly one node:\n" + own + "\n" + other);
      assertEquals(400, call(node, "GET", "/sbc/calls?limit=0", null, null).statusCode());

      HttpResponse<String> view = call(node, "GET", "/sbc/calls/" + callId, null, null);
      assertEquals(200, view.statusCode(), view.body());
      assertTrue(view.body().contains("\"phase\":\"CONFIRMED\",\"route\":\"default\",\"policy\":\"passthru\""), view.body());
      assertTrue(view.body().contains("\"sessionTimer\":{\"intervalSeconds\":600,\"refresher\":\"peer\""), view.body());
      assertTrue(view.body().contains("INVITE routed over default") && view.body().contains("established"), view.body());
      assertEquals(404, call(node, "GET", "/sbc/calls/no-such-call", null, null).statusCode());

      assertEquals(401, call(node, "DELETE", "/sbc/calls/" + callId, null, null).statusCode());
      HttpResponse<String> hangUp = call(node, "DELETE", "/sbc/calls/" + callId, TOKEN, null);
      assertEquals(200, hangUp.statusCode(), hangUp.body());
      String why = uac.diagnostics() + "\n" + uas.diagnostics() + "\n--- node\n" + node.tail();
      assertEquals(0, uac.await(30), why);
      assertEquals(0, uas.await(30), why);
      assertTrue(uac.logLines().contains("got BYE"), why);
      assertTrue(uas.logLines().contains("got BYE"), why);
      String received = Files.readString(uasMessages);
      assertTrue(received.contains("Reason: Q.850;cause=16;text=\"hung up over HTTP\""), received);
      assertEquals(404, call(node, "DELETE", "/sbc/calls/" + callId, TOKEN, null).statusCode(), "already over");
    }
  }

  /**
   * After real calls, a 422 and a garbage datagram, {@code /metrics} has the SIP traffic by method
   * and direction, the generated responses, the journal latency histogram, the active calls, the
   * cluster and sharding gauges and the JVM's figures, with sensible values and no call data in
   * any label. Deltas against a page read first, since the other tests share the node.
   */
  @Test
  void afterCallsTheMetricsShowTrafficJournalClusterAndJvm() throws Exception {
    String user = "4420794600";
    int calls = 5;
    String before = clusterMetrics();
    try (Sipp uas = Sipp.start("uas-metrics", "uas.xml", "u1", uasPort, "-m", Integer.toString(calls));
        Sipp uac = Sipp.start("uac-metrics", "uac.xml", "u1", Ports.free(), "-s", user, "-m", Integer.toString(calls),
            "-r", "5", "127.0.0.1:" + node.sipPort)) {
      assertEquals(0, uac.await(60), uac.diagnostics() + "\n" + node.tail());
      assertEquals(0, uas.await(30), uas.diagnostics());
    }
    String callId = "metrics-it-422-" + System.nanoTime();
    String answer = inviteOverUdp(node.sipPort, callId, "+" + user, "Supported: timer\r\nSession-Expires: 30\r\n");
    assertTrue(answer.startsWith("SIP/2.0 422 "), answer);
    try (DatagramSocket garbage = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      byte[] junk = "\u0001\u0002 not SIP\r\n\r\n".getBytes(StandardCharsets.UTF_8);
      garbage.send(new DatagramPacket(junk, junk.length, new InetSocketAddress("127.0.0.1", node.sipPort)));
    }

    String after = awaitMetrics(page -> NodeProcess.sampleOrZero(page, "sbc_shard_region_entities", "type", "Call") >= calls
        && NodeProcess.sampleOrZero(page, "sbc_sip_parse_errors_total", "transport", "udp")
            > NodeProcess.sampleOrZero(before, "sbc_sip_parse_errors_total", "transport", "udp")
        && NodeProcess.sampleOrZero(page, "sbc_calls_active", "phase", "established") == 0);
    String why = after;
    // SIP traffic by direction, kind, method and status class
    assertTrue(delta(before, after, "sbc_sip_messages_total",
        "direction", "in", "transport", "udp", "kind", "request", "method", "INVITE", "status", "") >= calls + 1, why);
    assertTrue(delta(before, after, "sbc_sip_messages_total",
        "direction", "out", "kind", "request", "method", "INVITE") >= calls, why);
    assertTrue(delta(before, after, "sbc_sip_messages_total",
        "direction", "in", "kind", "response", "method", "INVITE", "status", "2xx") >= calls, why);
    assertTrue(delta(before, after, "sbc_sip_messages_total",
        "direction", "out", "kind", "response", "method", "INVITE", "status", "2xx") >= calls, why);
    assertTrue(delta(before, after, "sbc_sip_messages_total",
        "direction", "out", "kind", "response", "method", "BYE", "status", "2xx") >= calls, why);
    assertTrue(delta(before, after, "sbc_sip_messages_total", "direction", "in", "method", "ACK") >= calls + 1, why);
    assertEquals(1, delta(before, after, "sbc_sip_parse_errors_total", "transport", "udp"), why);
    // responses the SBC generated itself: the 422 once (its retransmissions are not new responses), a 100 per call
    assertEquals(1, delta(before, after, "sbc_sip_responses_generated_total", "status", "422"), why);
    assertTrue(delta(before, after, "sbc_sip_responses_generated_total", "status", "100") >= calls, why);
    // the journal: at least the establishment of each call, timed, in the 1 ms-5 s buckets
    double writes = delta(before, after, "sbc_journal_write_duration_seconds_count");
    assertTrue(writes >= calls, "journal writes " + writes + "\n" + why);
    assertEquals(NodeProcess.sample(after, "sbc_journal_write_duration_seconds_count"),
        NodeProcess.sample(after, "sbc_journal_write_duration_seconds_bucket", "le", "+Inf"), why);
    assertTrue(NodeProcess.sample(after, "sbc_journal_write_duration_seconds_bucket", "le", "0.001") >= 0, why);
    assertTrue(NodeProcess.sample(after, "sbc_journal_write_duration_seconds_bucket", "le", "5.0") > 0, why);
    assertTrue(NodeProcess.sample(after, "sbc_journal_write_duration_seconds_sum") > 0, why);
    // calls: all over, none in setup; the established and ended ones counted
    assertEquals(0, NodeProcess.sample(after, "sbc_calls_active", "phase", "setup"), why);
    assertTrue(delta(before, after, "sbc_calls_ended_total") >= calls, why);
    assertTrue(delta(before, after, "sbc_calls_failed_total", "status", "422") >= 1, why);
    // the cluster of two as node 1 sees it, one leader between them; sharding: the lingering entities of these calls
    String own = node.httpGet("/metrics");
    assertEquals(2, NodeProcess.sample(own, "sbc_cluster_members", "status", "up"), own);
    assertEquals(0, NodeProcess.sample(own, "sbc_cluster_members", "status", "joining"), own);
    assertEquals(0, NodeProcess.sample(own, "sbc_cluster_unreachable_members"), own);
    assertEquals(1, NodeProcess.sample(after, "sbc_cluster_leader"), why);
    assertTrue(NodeProcess.sample(after, "sbc_shard_region_shards", "type", "Call") >= 1, why);
    // the JVM
    assertTrue(NodeProcess.sample(after, "jvm_memory_used_bytes", "area", "heap") > 0, why);
    assertTrue(NodeProcess.sample(after, "jvm_threads_live_threads") > 0, why);
    assertTrue(NodeProcess.sample(after, "jvm_classes_loaded_classes") > 0, why);
    assertTrue(NodeProcess.sample(after, "system_cpu_count") > 0, why);
    assertTrue(NodeProcess.sample(after, "process_uptime_seconds") > 0, why);
    assertTrue(NodeProcess.sample(after, "jvm_gc_memory_allocated_bytes_total") > 0, why);
    // never a Call-ID, URI or number in a label
    for (String forbidden : List.of(callId, user, "sip:", "@")) {
      assertTrue(!after.contains(forbidden), "/metrics contains '" + forbidden + "'");
    }
  }

  private static double delta(String before, String after, String name, String... labels) {
    double now = NodeProcess.sample(after, name, labels);
    assertTrue(!Double.isNaN(now), name + " " + List.of(labels) + " missing");
    return now - NodeProcess.sampleOrZero(before, name, labels);
  }

  /**
   * Both nodes' {@code /metrics} as one page, so that a sample sums over the cluster: the calls'
   * entities (their journal writes, generated responses, active calls) live on either node, while
   * their SIP traffic passes node 1's gateway.
   */
  private static String clusterMetrics() throws Exception {
    return node.httpGet("/metrics") + "\n" + tokenless.httpGet("/metrics");
  }

  /** Reads {@code /metrics} until {@code ready} holds (the sharding gauges are polled every 5 s). */
  private static String awaitMetrics(java.util.function.Predicate<String> ready) throws Exception {
    String page = "";
    for (int i = 0; i < 60; i++) {
      page = clusterMetrics();
      if (ready.test(page)) {
        return page;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("/metrics never got there:\n" + page);
  }

  @Test
  void theRouteTableIsReplacedClusterWideForNewCallsWhileRunningCallsKeepTheirRoute() throws Exception {
    String configured = "{\"source\":\"config\",\"default-next-hop\":\"" + hop + "\",\"routes\":[{\"name\":\"uk\","
        + "\"user-prefix\":\"44\",\"host\":\"\",\"next-hop\":\"" + hop + "\",\"midcall-policy\":null}]}";
    assertEquals(configured, call(node, "GET", "/sbc/routes", null, null).body());
    assertEquals(configured, call(tokenless, "GET", "/sbc/routes", null, null).body());

    int movedPort = Ports.free();
    String moved = "{\"routes\": [{\"name\": \"moved\", \"user-prefix\": \"44\", \"next-hop\": \"sip:127.0.0.1:"
        + movedPort + "\", \"midcall-policy\": \"block\"}]}";
    HttpResponse<String> noToken = call(node, "PUT", "/sbc/routes", null, moved);
    assertEquals(401, noToken.statusCode(), noToken.body());
    assertEquals("Bearer", noToken.headers().firstValue("WWW-Authenticate").orElse(""));
    assertEquals(401, call(node, "PUT", "/sbc/routes", "not-" + TOKEN, moved).statusCode());
    assertEquals(401, call(node, "DELETE", "/sbc/routes", null, null).statusCode());
    HttpResponse<String> disabled = call(tokenless, "PUT", "/sbc/routes", TOKEN, moved);
    assertEquals(403, disabled.statusCode(), disabled.body());
    assertEquals(403, call(tokenless, "DELETE", "/sbc/routes", TOKEN, null).statusCode());

    assertRejected("{\"routes\": [", "{\"error\":\"body is not JSON: ");
    assertRejected("{\"routes\": [{\"name\": \"uk\", \"user-prefix\": \"44\"}]}",
        "{\"error\":\"routes[0] (\\\"uk\\\"): next-hop is missing\"}");
    assertRejected("{\"routes\": [{\"name\": \"uk\", \"next-hop\": \"sip:127.0.0.1:port\"}]}",
        "{\"error\":\"routes[0] (\\\"uk\\\"): bad port in next hop 'sip:127.0.0.1:port'\"}");
    assertRejected("{\"routes\": [{\"name\": \"uk\", \"next-hop\": \"tel:+44123\"}]}",
        "{\"error\":\"routes[0] (\\\"uk\\\"): next hop must be a sip: or sips: URI (e.g. sip:10.0.0.1:5060;transport=tcp), got 'tel:+44123'\"}");
    assertRejected("{\"routes\": [{\"name\": \"a\", \"next-hop\": \"sip:x\"}, {\"name\": \"a\", \"next-hop\": \"sip:y\"}]}",
        "{\"error\":\"routes[1] (\\\"a\\\"): route name 'a' is used twice\"}");
    assertRejected("{\"routes\": [{\"name\": \"default\", \"next-hop\": \"sip:x\"}]}",
        "{\"error\":\"routes[0] (\\\"default\\\"): route name 'default' is reserved (the route taken when no route matches)\"}");
    assertRejected("{\"routes\": [{\"name\": \"uk\", \"next-hop\": \"sip:x\", \"midcall-policy\": \"sometimes\"}]}",
        "{\"error\":\"routes[0] (\\\"uk\\\"): unknown midcall-signaling policy 'sometimes'");
    Thread.sleep(1_200); // a write would have reached the subscribers by now
    assertEquals(configured, call(node, "GET", "/sbc/routes", null, null).body(), "nothing changed");
    assertEquals(configured, call(tokenless, "GET", "/sbc/routes", null, null).body(), "nothing changed");

    // A call on route uk, held while the table changes: its BYE must still go to uk's next hop.
    try (Sipp oldCallee = Sipp.start("uas-routes-old", "uas.xml", "u1", uasPort, "-m", "1");
        Sipp held = Sipp.start("uac-routes-held", "uac.xml", "u1", Ports.free(), "-s", "4400", "-m", "1",
            "-set", "hold_ms", "12000", "127.0.0.1:" + tokenless.sipPort);
        Sipp newCallee = Sipp.start("uas-routes-new", "uas.xml", "u1", movedPort, "-m", "1")) {
      oldCallee.awaitCalleeCalls(1);

      long start = System.nanoTime();
      HttpResponse<String> put = call(node, "PUT", "/sbc/routes", TOKEN, moved);
      assertEquals(200, put.statusCode(), put.body());
      String runtime = "{\"source\":\"runtime\",\"default-next-hop\":\"" + hop + "\",\"routes\":[{\"name\":\"moved\","
          + "\"user-prefix\":\"44\",\"host\":\"\",\"next-hop\":\"sip:127.0.0.1:" + movedPort + "\","
          + "\"midcall-policy\":\"block\"}]}";
      assertEquals(runtime, put.body());
      awaitBody(tokenless, "/sbc/routes", runtime);
      System.out.printf("ManagementApiIT: route table set on node 1 seen on node 2 after %d ms%n",
          (System.nanoTime() - start) / 1_000_000);
      awaitBody(node, "/sbc/routes", runtime);
      assertTrue(held.isAlive(), "the held call must still be up after the change, or this proves nothing");
      assertTrue(Files.readString(node.log).contains("route table replaced cluster-wide over HTTP, for new calls: "
          + "moved (user 44*, any host) -> sip:127.0.0.1:" + movedPort + ", policy block; default -> " + hop),
          "the operator reads the change in the log");

      // the runtime table's route policy is what the midcall policies see, and its names take overrides
      awaitBody(tokenless, "/sbc/policy", "\"routes\":{\"default\":\"passthru\",\"moved\":\"block\"}");
      assertEquals(404, call(node, "PUT", "/sbc/routes/uk/policy", TOKEN, "{\"policy\":\"none\"}").statusCode(),
          "uk is not in the table in force");
      assertEquals(200, call(node, "PUT", "/sbc/routes/moved/policy", TOKEN, "{\"policy\":\"none\"}").statusCode());
      awaitBody(tokenless, "/sbc/policy", "\"routes\":{\"default\":\"passthru\",\"moved\":\"none\"}");
      assertEquals(200, call(node, "DELETE", "/sbc/routes/moved/policy", TOKEN, null).statusCode());

      try (Sipp newCall = Sipp.start("uac-routes-new", "uac.xml", "u1", Ports.free(), "-s", "4401", "-m", "1",
          "127.0.0.1:" + tokenless.sipPort)) {
        String why = newCall.diagnostics() + "\n" + newCallee.diagnostics() + "\n--- node 2\n" + tokenless.tail();
        assertEquals(0, newCall.await(30), why);
        assertEquals(0, newCallee.await(30), "the new call reached the new next hop\n" + why);
      }
      String why = held.diagnostics() + "\n" + oldCallee.diagnostics() + "\n--- node 2\n" + tokenless.tail();
      assertEquals(0, held.await(30), why);
      assertEquals(0, oldCallee.await(30), "the held call's BYE went to the next hop it was set up with\n" + why);
    } finally {
      HttpResponse<String> reset = call(node, "DELETE", "/sbc/routes", TOKEN, null);
      assertEquals(200, reset.statusCode(), reset.body());
      assertEquals(configured, reset.body());
      awaitBody(node, "/sbc/routes", configured);
      awaitBody(tokenless, "/sbc/routes", configured);
    }
  }

  /** A PUT of a bad table on node 1 answers 400 with that error (the body starts so). */
  private static void assertRejected(String table, String errorStart) throws Exception {
    HttpResponse<String> r = call(node, "PUT", "/sbc/routes", TOKEN, table);
    assertEquals(400, r.statusCode(), r.body());
    assertTrue(r.body().startsWith(errorStart), "expected " + errorStart + "\ngot " + r.body());
  }

  @Test
  void theSessionTimerSettingsChangeClusterWideForNewCalls() throws Exception {
    String configured = "\"session-timer\":{\"enabled\":true,\"session-expires\":1800,\"min-se\":90,"
        + "\"configured\":{\"enabled\":true,\"session-expires\":1800,\"min-se\":90},\"runtime\":null}";
    assertTrue(call(tokenless, "GET", "/sbc/policy", null, null).body().contains(configured));
    String change = "{\"session-timer\": {\"session-expires\": 300, \"min-se\": 120}}";
    assertEquals(401, call(node, "PUT", "/sbc/policy", null, change).statusCode());
    assertEquals(403, call(tokenless, "PUT", "/sbc/policy", TOKEN, change).statusCode());
    HttpResponse<String> tooShort = call(node, "PUT", "/sbc/policy", TOKEN,
        "{\"policy\": \"block\", \"session-timer\": {\"session-expires\": 60}}");
    assertEquals(400, tooShort.statusCode());
    assertEquals("{\"error\":\"session-timer: session-expires 60 s is below min-se 90 s (in force); "
        + "session-expires must be at least min-se\"}", tooShort.body());
    HttpResponse<String> notSeconds = call(node, "PUT", "/sbc/policy", TOKEN, "{\"session-timer\": {\"min-se\": \"2m\"}}");
    assertEquals(400, notSeconds.statusCode());
    assertEquals("{\"error\":\"session-timer.min-se must be a whole number of seconds, got \\\"2m\\\"\"}", notSeconds.body());
    Thread.sleep(1_200);
    for (NodeProcess n : List.of(node, tokenless)) {
      String body = call(n, "GET", "/sbc/policy", null, null).body();
      assertTrue(body.contains(configured) && body.contains("\"runtime\":null,\"route-overrides\""),
          "neither the timers nor the policy changed: " + body);
    }

    Path messages = Work.dir().resolve("timers-api-uas-" + System.nanoTime() + ".log");
    Path again = Work.dir().resolve("timers-api-uas-again-" + System.nanoTime() + ".log");
    try {
      HttpResponse<String> set = call(node, "PUT", "/sbc/policy", TOKEN, change);
      assertEquals(200, set.statusCode(), set.body());
      assertEquals("{\"session-timer\":{\"enabled\":true,\"session-expires\":300,\"min-se\":120}}", set.body());
      String runtime = "\"session-timer\":{\"enabled\":true,\"session-expires\":300,\"min-se\":120,"
          + "\"configured\":{\"enabled\":true,\"session-expires\":1800,\"min-se\":90},"
          + "\"runtime\":{\"enabled\":true,\"session-expires\":300,\"min-se\":120}}";
      awaitBody(tokenless, "/sbc/policy", runtime);
      awaitBody(node, "/sbc/policy", runtime); // the call's entity may live on either node
      assertTrue(Files.readString(node.log).contains("session-timer settings changed cluster-wide over HTTP "
          + "(session-expires=300 s, min-se=120 s): new calls and negotiations now get on, Session-Expires 300 s, "
          + "Min-SE 120 s"), "the operator reads the change in the log");

      String invite = calleesInvite("timers-api", messages);
      assertTrue(header(invite, "Session-Expires", "300"), invite);
      assertTrue(header(invite, "Min-SE", "120"), invite);

      // DELETE /sbc/policy clears the runtime policy only; the timers have their own DELETE.
      assertEquals(200, call(node, "DELETE", "/sbc/policy", TOKEN, null).statusCode());
      Thread.sleep(1_200);
      assertTrue(call(tokenless, "GET", "/sbc/policy", null, null).body().contains(runtime));
    } finally {
      HttpResponse<String> reset = call(node, "DELETE", "/sbc/policy/session-timer", TOKEN, null);
      assertEquals(200, reset.statusCode(), reset.body());
      assertEquals("{\"session-timer\":{\"enabled\":true,\"session-expires\":1800,\"min-se\":90},\"runtime\":null}",
          reset.body());
      awaitBody(node, "/sbc/policy", configured);
      awaitBody(tokenless, "/sbc/policy", configured);
    }
    String invite = calleesInvite("timers-api-again", again);
    assertTrue(header(invite, "Session-Expires", "1800") && header(invite, "Min-SE", "90"), invite);
  }

  private static boolean header(String message, String name, String value) {
    return Pattern.compile("(?m)^" + name + ": " + value + "\\r?$").matcher(message).find();
  }

  /** One call through node 2 to a SIPp callee that traces its messages; returns the INVITE it got. */
  private static String calleesInvite(String name, Path messages) throws Exception {
    try (Sipp uas = Sipp.start("uas-" + name, "uas.xml", "u1", uasPort, "-m", "1",
            "-trace_msg", "-message_file", messages.toString());
        Sipp uac = Sipp.start("uac-" + name, "uac.xml", "u1", Ports.free(), "-m", "1",
            "127.0.0.1:" + tokenless.sipPort)) {
      String why = uac.diagnostics() + "\n" + uas.diagnostics() + "\n--- node 2\n" + tokenless.tail();
      assertEquals(0, uac.await(30), why);
      assertEquals(0, uas.await(30), why);
    }
    String received = Files.readString(messages);
    Matcher invite = Pattern.compile("(?s)INVITE sip:.*?\\r?\\n\\r?\\n").matcher(received);
    assertTrue(invite.find(), received);
    return invite.group();
  }

  @Test
  void aNodeWithoutAnAdminTokenRefusesEveryWrite() throws Exception {
    assertEquals(200, call(tokenless, "GET", "/sbc/policy", null, null).statusCode());
    HttpResponse<String> write = call(tokenless, "PUT", "/sbc/policy", "anything", "{\"policy\":\"block\"}");
    assertEquals(403, write.statusCode());
    assertTrue(write.body().contains("no admin token"), write.body());
    assertEquals(403, call(tokenless, "POST", "/sbc/drain", null, null).statusCode());
    assertEquals(403, call(tokenless, "PUT", "/sbc/routes", "anything", "{\"routes\": []}").statusCode());
    assertEquals(403, call(tokenless, "DELETE", "/sbc/policy/session-timer", "anything", null).statusCode());
    assertTrue(Files.readString(tokenless.log).contains("no admin token configured (SBC_ADMIN_TOKEN)"),
        "the node says so at start");
  }

  private static HttpResponse<String> call(NodeProcess n, String method, String path, String token, String body)
      throws Exception {
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + n.httpPort + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      req.header("Content-Type", "application/json");
    }
    if (token != null) {
      req.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(req.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The store's subscribers see a write within about a second. */
  private static void awaitBody(NodeProcess n, String path, String part) throws Exception {
    String last = "";
    for (int i = 0; i < 50; i++) {
      last = call(n, "GET", path, null, null).body();
      if (last.contains(part)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("GET " + path + " never showed " + part + ", last: " + last);
  }

  /** The answer to an out-of-dialog OPTIONS (a keep-alive probe) sent over UDP. */
  private static String optionsOverUdp(int sipPort, String callId) throws Exception {
    try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      socket.setSoTimeout(5000);
      String options = new String(Sipp.bareInvite("bob", sipPort, socket.getLocalPort(), callId), StandardCharsets.UTF_8)
          .replaceFirst("^INVITE ", "OPTIONS ").replace("CSeq: 1 INVITE", "CSeq: 1 OPTIONS");
      return firstAnswer(socket, new InetSocketAddress("127.0.0.1", sipPort), options);
    }
  }

  /** Sends {@code request} from {@code socket} and returns the first datagram that comes back. */
  private static String firstAnswer(DatagramSocket socket, InetSocketAddress to, String request) throws Exception {
    byte[] bytes = request.getBytes(StandardCharsets.UTF_8);
    socket.send(new DatagramPacket(bytes, bytes.length, to));
    DatagramPacket answer = new DatagramPacket(new byte[4096], 4096);
    socket.receive(answer);
    return new String(answer.getData(), 0, answer.getLength(), StandardCharsets.UTF_8);
  }

  /** One INVITE datagram from a socket of the test's own; returns the first response. */
  private static String inviteOverUdp(int sipPort, String callId) throws Exception {
    return inviteOverUdp(sipPort, callId, "bob", "");
  }

  /**
   * As {@link #inviteOverUdp(int, String)} to {@code user}, with extra header lines; a final
   * non-2xx is acknowledged (RFC 3261 §17.1.1.3) so that it is not retransmitted.
   */
  private static String inviteOverUdp(int sipPort, String callId, String user, String extraHeaders) throws Exception {
    try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      socket.setSoTimeout(5000);
      int port = socket.getLocalPort();
      String invite = new String(Sipp.bareInvite(user, sipPort, port, callId), StandardCharsets.UTF_8)
          .replace("Content-Length: 0\r\n", extraHeaders + "Content-Length: 0\r\n");
      InetSocketAddress sbc = new InetSocketAddress("127.0.0.1", sipPort);
      String first = firstAnswer(socket, sbc, invite);
      Matcher toTag = Pattern.compile("(?m)^To: ([^\r\n]*)").matcher(first);
      if (first.matches("(?s)SIP/2\\.0 [3-6]\\d\\d .*") && toTag.find()) {
        String ack = invite.replaceFirst("^INVITE ", "ACK ").replace("CSeq: 1 INVITE", "CSeq: 1 ACK")
            .replaceFirst("(?m)^To: [^\r\n]*", Matcher.quoteReplacement("To: " + toTag.group(1)))
            .replace(extraHeaders, "");
        byte[] ackBytes = ack.getBytes(StandardCharsets.UTF_8);
        socket.send(new DatagramPacket(ackBytes, ackBytes.length, sbc));
      }
      return first;
    }
  }
}
