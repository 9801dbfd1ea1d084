package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ConnectException;
import java.net.Socket;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Nodes split by role: two gateway-only nodes terminate SIP and hold no calls, one call-only
 * node holds every call and has no SIP socket. Calls come in through the first gateway; when it
 * is killed, its callers move to the second gateway and the call node sends the legs the dead
 * gateway anchored through the second one (found through the receptionist), so every call still
 * completes its re-INVITE and BYE.
 */
class RolesIT {
  @Test
  void gatewayOnlyNodesHandCallsToACallOnlyNodeThatSurvivesTheLossOfAGateway() throws Exception {
    try (TcpCallee tcp = new TcpCallee()) {
      run(tcp);
    }
  }

  private void run(TcpCallee tcpCallee) throws Exception {
    int uasPort = Ports.free();
    int seedPort = Ports.free();
    int calls = 30;
    int tcpCalls = 10;
    String hop = "sip:127.0.0.1:" + uasPort;
    String config = "sbc.cluster.seed-nodes = \"127.0.0.1:" + seedPort + "\"\nsbc.call.linger = 2s\n"
        + "sbc.routes = [{ user-prefix = \"tcp.\", next-hop = \"sip:127.0.0.1:" + tcpCallee.port + ";transport=tcp\" }]\n";
    try (NodeProcess gateway1 = NodeProcess.start("roles-gateway-1", hop, config + "sbc.roles = gateway\n", seedPort);
        NodeProcess gateway2 = NodeProcess.start("roles-gateway-2", hop, config + "sbc.roles = gateway\n");
        NodeProcess callNode = NodeProcess.start("roles-call", hop, config + "sbc.roles = call\n")) {
      awaitUp(gateway2, 3);
      assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", callNode.sipPort).close(),
          "a call-only node must not listen for SIP");
      // a few calls first: the first cross-node hops of cold JVMs exceed T1
      Sipp.warmUp("roles", java.util.List.of(gateway1), uasPort, 20);
      Thread.sleep(4000); // the warm-up calls' entities stop after their linger time
      long before = callNode.callEntities();
      try (Sipp uas = Sipp.start("uas-roles", "uas_reinvite_matrix.xml", "u1", uasPort, "-m", Integer.toString(calls));
          Sipp uac = Sipp.start("uac-roles", "uac_failover.xml", "u1", Ports.free(), "-m", Integer.toString(calls),
              "-r", "15", "-l", "1000", "-set", "hold_ms", "12000",
              "-set", "move_port", Integer.toString(gateway2.sipPort), "127.0.0.1:" + gateway1.sipPort);
          Sipp tcpUac = Sipp.start("uac-roles-tcp", "uac_failover.xml", "u1", Ports.free(), "-s", "tcp.1",
              "-m", Integer.toString(tcpCalls), "-r", "10", "-l", "1000", "-set", "hold_ms", "12000",
              "-set", "move_port", Integer.toString(gateway2.sipPort), "127.0.0.1:" + gateway1.sipPort)) {
        long end = System.currentTimeMillis() + 30_000;
        while (uas.logLines().stream().filter(l -> l.startsWith("call-id ")).count() < calls
            || tcpCallee.requests.size() < tcpCalls) {
          if (System.currentTimeMillis() > end) {
            throw new AssertionError("not all calls reached the callee\n" + uas.diagnostics());
          }
          Thread.sleep(200);
        }
        Thread.sleep(1500);
        assertEquals(before + calls + tcpCalls, callNode.callEntities(), "the call node holds every call");
        gateway1.kill9();
        String why = uac.diagnostics() + "\n" + uas.diagnostics() + "\n--- call node\n" + callNode.tail();
        assertEquals(0, uac.await(120), why);
        assertEquals(calls, uac.stat("SuccessfulCall(C)"), why);
        assertEquals(0, uas.await(60), why);
        assertEquals(calls, uas.logLines().stream().filter(l -> l.equals("got INVITE failover-refresh sdp=yes")).count(), why);
        assertEquals(0, tcpUac.await(120), tcpUac.diagnostics() + "\n" + why);
        assertEquals(tcpCalls, tcpUac.stat("SuccessfulCall(C)"), tcpUac.diagnostics() + "\n" + why);
        assertEquals(2L * tcpCalls, tcpCallee.count("INVITE"), "initial INVITE and re-INVITE of each TCP call");
        assertEquals(tcpCalls, tcpCallee.count("BYE"));
        assertEquals(tcpCalls, tcpCallee.callsContinuedOnANewConnection(),
            "each TCP call continued on a new connection from the surviving gateway: " + tcpCallee.requests);
        long rehomed = java.nio.file.Files.readAllLines(callNode.log).stream().filter(l -> l.contains(" re-homed ")).count();
        assertTrue(rehomed >= calls + tcpCalls, rehomed + " legs re-homed on the surviving gateway\n" + why);
        System.out.printf("roles: %d calls held by the call-only node; after the kill of their gateway %d legs were "
            + "re-homed on the other gateway (%d TCP legs reconnected to their callee) and all calls completed%n",
            calls + tcpCalls, rehomed, tcpCallee.callsContinuedOnANewConnection());
      }
    }
  }

  private static void awaitUp(NodeProcess node, int members) throws Exception {
    long end = System.currentTimeMillis() + 60_000;
    while (true) {
      Matcher m = Pattern.compile("\"status\"\\s*:\\s*\"Up\"").matcher(node.httpGet("/cluster/members"));
      int up = 0;
      while (m.find()) {
        up++;
      }
      if (up >= members) {
        return;
      }
      if (System.currentTimeMillis() > end) {
        throw new AssertionError("cluster did not form: " + node.httpGet("/cluster/members"));
      }
      Thread.sleep(250);
    }
  }
}
