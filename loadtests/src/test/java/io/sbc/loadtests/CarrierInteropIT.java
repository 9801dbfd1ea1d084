package io.sbc.loadtests;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gov.nist.javax.sip.header.SIPHeader;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.ListIterator;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Carrier interop over real sockets: a caller and callees of the test's own ({@link SipPeer}) and
 * real nodes. {@code node} trusts loopback (the default), so every peer is trusted there;
 * {@code untrusting} trusts only 10.0.0.0/8, so its caller and callee are not. Each test uses its
 * own numbers and follows its own Call-IDs, so the tests do not depend on each other.
 */
class CarrierInteropIT {
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final String TRUNK_PASSWORD = "pa\"ss-w0rd";
  private static NodeProcess node;
  private static NodeProcess untrusting;
  private static SipPeer caller;
  private static SipPeer bob;
  private static SipPeer trunk;
  private static int counter;

  @BeforeAll
  static void start() throws Exception {
    caller = new SipPeer("alice");
    bob = new SipPeer("bob");
    trunk = new SipPeer("trunk");
    String hop = "sip:127.0.0.1:" + bob.port();
    node = NodeProcess.start("interop", hop, "sbc.call.linger = 2s\n"
        + "sbc.routes = [{ name = trunk, user-prefix = \"+4989\", next-hop = \"sip:127.0.0.1:" + trunk.port() + "\","
        + "  auth { username = sbc, password-env = TRUNK1_PASSWORD } },"
        + " { name = direct, user-prefix = \"+4940\", next-hop = \"" + hop + "\", request-uri = as-received }]",
        Map.of("TRUNK1_PASSWORD", TRUNK_PASSWORD));
    untrusting = NodeProcess.start("untrusting", hop, "sbc.trust.peers = [\"10.0.0.0/8\"]");
  }

  @AfterAll
  static void stop() throws Exception {
    for (NodeProcess n : new NodeProcess[] {node, untrusting}) {
      if (n != null) {
        n.close();
      }
    }
    caller.close();
    bob.close();
    trunk.close();
  }

  // ---- identity, numbers, privacy ----------------------------------------------------------

  @Test
  void numbersAndIdentityCrossBetweenTrustedPeersBothWays() throws Exception {
    String callId = callId();
    String ruri = "tel:+49-30-1001";
    String invite = caller.request("INVITE", ruri, callId, "a1", "", 1, SipPeer.branch(),
        "P-Asserted-Identity: <sip:+4940111@carrier.example;user=phone>, <tel:+4940111>\r\n"
            + "Privacy: id\r\n"
            + "Identity: eyJhbGciOiJFUzI1NiJ9.eyJvcmlnIjp7fX0.c2ln;info=<https://cert.example/c.pem>;alg=ES256;ppt=shaken\r\n"
            + "Date: Sat, 05 Dec 2026 10:00:00 GMT\r\n"
            + "Diversion: <sip:+4930999@carrier.example>;reason=unconditional;counter=1\r\n"
            + "History-Info: <sip:+4930999@carrier.example>;index=1\r\n"
            + "Resource-Priority: wps.3\r\n", SipPeer.SDP_OFFER)
        .replace("From: <sip:alice@127.0.0.1>", "From: \"Alice\" <tel:+4940111>");
    caller.send(invite, node.sipPort);
    SIPRequest toBob = awaitInvite(bob, "+49-30-1001");
    assertEquals("sip:+49-30-1001@127.0.0.1:" + bob.port() + ";user=phone", toBob.getRequestURI().toString());
    assertEquals("tel:+49-30-1001", toBob.getTo().getAddress().getURI().toString());
    assertEquals("tel:+4940111", toBob.getFrom().getAddress().getURI().toString(), "a tel: From survives");
    assertEquals("<sip:+4940111@carrier.example;user=phone>,<tel:+4940111>", joined(toBob, "P-Asserted-Identity"));
    assertEquals("id", joined(toBob, "Privacy"));
    assertTrue(joined(toBob, "Identity").startsWith("eyJhbGciOiJFUzI1NiJ9.eyJvcmlnIjp7fX0.c2ln;info="));
    assertNotNull(toBob.getHeader("Date"));
    assertTrue(joined(toBob, "Diversion").contains("reason=unconditional"));
    assertTrue(joined(toBob, "History-Info").contains("index=1"));
    assertEquals("wps.3", joined(toBob, "Resource-Priority"));

    String callee = "P-Asserted-Identity: <sip:+4930100@callee.example;user=phone>\r\n";
    bob.respond(toBob, 180, "Ringing", "b1", callee, null);
    assertEquals("<sip:+4930100@callee.example;user=phone>", joined(response(callId, "INVITE", 180), "P-Asserted-Identity"));
    bob.respond(toBob, 200, "OK", "b1", callee, SipPeer.SDP_ANSWER);
    SIPResponse ok = response(callId, "INVITE", 200);
    assertEquals("<sip:+4930100@callee.example;user=phone>", joined(ok, "P-Asserted-Identity"));
    hangUp(callId, ruri, ok, toBob, "Reason: Q.850;cause=16;text=\"Normal call clearing\"\r\n");
  }

  @Test
  void untrustedPeersGetThePrivacyTheCallerAskedForAndAssertNothing() throws Exception {
    String callId = callId();
    String ruri = "sip:+4930222@127.0.0.1:" + untrusting.sipPort + ";user=phone";
    caller.send(caller.request("INVITE", ruri, callId, "a1", "", 1, SipPeer.branch(),
        "P-Asserted-Identity: <sip:+4940111@carrier.example;user=phone>\r\nPrivacy: header;id\r\n"
            + "Subject: call from Alice\r\nDiversion: <sip:+4930999@carrier.example>;reason=no-answer\r\n",
        SipPeer.SDP_OFFER), untrusting.sipPort);
    SIPRequest toBob = awaitInvite(bob, "+4930222");
    assertEquals("\"Anonymous\" <sip:anonymous@anonymous.invalid>", toBob.getFrom().getAddress().toString());
    assertNull(toBob.getHeader("P-Asserted-Identity"), "an untrusted caller asserts nothing");
    assertNull(toBob.getHeader("Subject"), "Privacy: header");
    assertNull(toBob.getHeader("Diversion"));
    assertEquals("header;id", joined(toBob, "Privacy").replace(",", ";"));
    assertFalse(toBob.toString().toLowerCase().contains("alice"), "nothing names the caller: " + toBob);
    bob.respond(toBob, 200, "OK", "b1", "P-Asserted-Identity: <sip:+4930222@callee.example>\r\nPrivacy: id\r\n",
        SipPeer.SDP_ANSWER);
    SIPResponse ok = response(callId, "INVITE", 200);
    assertNull(ok.getHeader("P-Asserted-Identity"), "the callee's privacy towards an untrusted caller");
    hangUp(callId, ruri, ok, toBob, "", untrusting);

    String critical = callId();
    caller.send(caller.request("INVITE", ruri, critical, "a1", "", 1, SipPeer.branch(), "Privacy: session;critical\r\n",
        SipPeer.SDP_OFFER), untrusting.sipPort);
    SIPResponse refused = response(critical, "INVITE", 500);
    assertTrue(refused.getReasonPhrase().contains("privacy"), refused.getReasonPhrase());
  }

  // ---- statuses and Reason -----------------------------------------------------------------

  @Test
  void aCancelKeepsItsReasonA503Becomes500AndA302KeepsItsContacts() throws Exception {
    String callId = callId();
    String ruri = "sip:+4930333@127.0.0.1:" + node.sipPort;
    String branch = SipPeer.branch();
    caller.send(caller.request("INVITE", ruri, callId, "a1", "", 1, branch, "", SipPeer.SDP_OFFER), node.sipPort);
    SIPRequest toBob = awaitInvite(bob, "+4930333");
    bob.respond(toBob, 180, "Ringing", "b1", "", null);
    response(callId, "INVITE", 180);
    caller.send(caller.request("CANCEL", ruri, callId, "a1", "", 1, branch,
        "Reason: SIP;cause=200;text=\"Call completed elsewhere\"\r\n", null), node.sipPort);
    response(callId, "CANCEL", 200);
    response(callId, "INVITE", 487);
    SIPRequest cancel = request(bob, toBob.getCallId().getCallId(), "CANCEL");
    assertEquals("SIP;cause=200;text=\"Call completed elsewhere\"", joined(cancel, "Reason"));
    bob.respond(cancel, 200, "OK", "b1", "", null);
    bob.respond(toBob, 487, "Request Terminated", "b1", "", null);
    request(bob, toBob.getCallId().getCallId(), "ACK");

    String busy = callId();
    caller.send(caller.request("INVITE", "sip:+4930334@127.0.0.1", busy, "a1", "", 1, SipPeer.branch(), "",
        SipPeer.SDP_OFFER), node.sipPort);
    SIPRequest toBusy = awaitInvite(bob, "+4930334");
    bob.respond(toBusy, 503, "Service Unavailable", "b1", "Retry-After: 120\r\n", null);
    SIPResponse failed = response(busy, "INVITE", 500);
    assertNull(failed.getHeader("Retry-After"));
    assertTrue(joined(failed, "Warning").contains("next hop answered 503"), failed.toString());

    String moved = callId();
    caller.send(caller.request("INVITE", "sip:+4930335@127.0.0.1", moved, "a1", "", 1, SipPeer.branch(), "",
        SipPeer.SDP_OFFER), node.sipPort);
    SIPRequest toMoved = awaitInvite(bob, "+4930335");
    bob.respond(toMoved, 302, "Moved Temporarily", "b1", "Contact: <sip:+4930335@192.0.2.9:5060>;q=0.5\r\n", null);
    SIPResponse redirect = response(moved, "INVITE", 302);
    assertEquals("<sip:+4930335@192.0.2.9:5060>;q=0.5", joined(redirect, "Contact"));
  }

  // ---- bodies ------------------------------------------------------------------------------

  @Test
  void aSipIMultipartBodyCrossesByteForByte() throws Exception {
    String callId = callId();
    String ruri = "sip:+4930444@127.0.0.1:" + node.sipPort + ";user=phone";
    String isup = "\u0001\u0011\u0048\u0000\n\u0003\u0002\u0000\u0007\u0003\u0090\u0089\u0021\u0043\u00f5";
    String body = "--unique-boundary-1\r\nContent-Type: application/sdp\r\n\r\n" + SipPeer.SDP_OFFER
        + "\r\n--unique-boundary-1\r\nContent-Type: application/isup;version=itu-t92+\r\n"
        + "Content-Disposition: signal;handling=optional\r\n\r\n" + isup + "\r\n--unique-boundary-1--\r\n";
    String invite = caller.request("INVITE", ruri, callId, "a1", "", 1, SipPeer.branch(),
        "Content-Type: multipart/mixed;boundary=unique-boundary-1\r\nMIME-Version: 1.0\r\n", body);
    // the ISUP bytes go on the wire as single bytes (ISO-8859-1), Content-Length counted the same way
    invite = invite.replaceFirst("Content-Length: \\d+", "Content-Length: " + body.getBytes(StandardCharsets.ISO_8859_1).length);
    caller.sendBytes(invite.getBytes(StandardCharsets.ISO_8859_1), node.sipPort);
    SIPRequest toBob = awaitInvite(bob, "+4930444");
    assertEquals("multipart/mixed;boundary=unique-boundary-1", joined(toBob, "Content-Type").replace(" ", ""));
    assertArrayEquals(body.getBytes(StandardCharsets.ISO_8859_1), toBob.getRawContent());
    bob.respond(toBob, 200, "OK", "b1", "", SipPeer.SDP_ANSWER);
    hangUp(callId, ruri, response(callId, "INVITE", 200), toBob, "");
  }

  // ---- authentication ----------------------------------------------------------------------

  @Test
  void aCallerAuthenticatesAtTheNextHopThroughTheSbc() throws Exception {
    String callId = callId();
    String ruri = "sip:+4940555@127.0.0.1:" + node.sipPort;
    String branch = SipPeer.branch();
    caller.send(caller.request("INVITE", ruri, callId, "a1", "", 1, branch, "", SipPeer.SDP_OFFER), node.sipPort);
    SIPRequest first = awaitInvite(bob, "+4940555");
    assertEquals(ruri, first.getRequestURI().toString(), "request-uri as-received");
    bob.respond(first, 401, "Unauthorized", "b1",
        "WWW-Authenticate: Digest realm=\"callee.example\", nonce=\"n-555\", qop=\"auth\", algorithm=SHA-256\r\n", null);
    SIPResponse challenge = response(callId, "INVITE", 401);
    Map<String, String> c = params(joined(challenge, "WWW-Authenticate"));
    assertEquals("n-555", c.get("nonce"));
    caller.send(caller.request("ACK", ruri, callId, "a1", challenge.getToTag(), 1, branch, "", null), node.sipPort);
    String response = digest("SHA-256", "alice", "callee.example", "alice-pw", "INVITE", ruri, "n-555", "00000001", "c0ffee");
    String credentials = "Digest username=\"alice\", realm=\"callee.example\", nonce=\"n-555\", uri=\"" + ruri
        + "\", response=\"" + response + "\", algorithm=SHA-256, qop=auth, nc=00000001, cnonce=\"c0ffee\"";
    caller.send(caller.request("INVITE", ruri, callId, "a1", "", 2, SipPeer.branch(),
        "Authorization: " + credentials + "\r\n", SipPeer.SDP_OFFER), node.sipPort);
    SIPRequest second = awaitInvite(bob, "+4940555");
    Map<String, String> a = params(joined(second, "Authorization"));
    assertEquals(second.getRequestURI().toString(), a.get("uri"), "the digest's uri is the Request-URI the trunk got");
    assertEquals(digest("SHA-256", "alice", "callee.example", "alice-pw", "INVITE", second.getRequestURI().toString(),
        "n-555", a.get("nc"), a.get("cnonce")), a.get("response"), "the digest verifies at the next hop");
    bob.respond(second, 200, "OK", "b2", "", SipPeer.SDP_ANSWER);
    SIPResponse ok = response(callId, "INVITE", 200);
    caller.send(caller.ackFor(ok, ruri, SipPeer.branch(), null), node.sipPort);
    request(bob, second.getCallId().getCallId(), "ACK");
    String calls = node.httpGet("/sbc/calls");
    assertTrue(calls.contains(callId) && calls.contains("CONFIRMED"), "the second attempt is the call: " + calls);
    caller.send(caller.request("BYE", ruri, callId, "a1", ok.getToTag(), 3, SipPeer.branch(), "", null), node.sipPort);
    response(callId, "BYE", 200);
    bob.respond(request(bob, second.getCallId().getCallId(), "BYE"), 200, "OK", "b2", "", null);
    long end = System.currentTimeMillis() + 20_000;
    while (node.httpGet("/sbc/calls").contains(callId)) { // linger 2 s, then the entity stops
      assertTrue(System.currentTimeMillis() < end, "the finished call's entity did not stop");
      Thread.sleep(250);
    }
  }

  @Test
  void aRouteWithCredentialsAnswersTheTrunksSha256Challenge() throws Exception {
    String callId = callId();
    String ruri = "sip:+4989666@127.0.0.1:" + node.sipPort;
    caller.send(caller.request("INVITE", ruri, callId, "a1", "", 1, SipPeer.branch(), "", SipPeer.SDP_OFFER), node.sipPort);
    response(callId, "INVITE", 100);
    SIPRequest first = awaitInvite(trunk, "+4989666");
    trunk.respond(first, 407, "Proxy Authentication Required", "t1",
        "Proxy-Authenticate: Digest realm=\"trunk.example\", nonce=\"nonce-666\", qop=\"auth,auth-int\","
            + " algorithm=SHA-256, opaque=\"opq\"\r\n", null);
    request(trunk, first.getCallId().getCallId(), "ACK");
    SIPRequest again = awaitInvite(trunk, "+4989666");
    assertEquals(first.getCallId().getCallId(), again.getCallId().getCallId());
    assertEquals(first.getCSeq().getSeqNumber() + 1, again.getCSeq().getSeqNumber());
    Map<String, String> a = params(joined(again, "Proxy-Authorization"));
    assertEquals("sbc", a.get("username"));
    assertEquals("SHA-256", a.get("algorithm"));
    assertEquals("auth", a.get("qop"));
    assertEquals("opq", a.get("opaque"));
    assertEquals(again.getRequestURI().toString(), a.get("uri"));
    assertEquals(digest("SHA-256", "sbc", "trunk.example", TRUNK_PASSWORD, "INVITE", a.get("uri"), "nonce-666",
        a.get("nc"), a.get("cnonce")), a.get("response"));
    trunk.respond(again, 200, "OK", "t2", "", SipPeer.SDP_ANSWER);
    SIPResponse ok = response(callId, "INVITE", 200);
    assertNull(caller.poll(m -> m instanceof SIPResponse r && r.getCallId().getCallId().equals(callId)
        && r.getStatusCode() == 407, Duration.ZERO), "the caller never sees the trunk's challenge");
    caller.send(caller.ackFor(ok, ruri, SipPeer.branch(), null), node.sipPort);
    request(trunk, again.getCallId().getCallId(), "ACK");
    caller.send(caller.request("BYE", ruri, callId, "a1", ok.getToTag(), 2, SipPeer.branch(), "", null), node.sipPort);
    response(callId, "BYE", 200);
    trunk.respond(request(trunk, again.getCallId().getCallId(), "BYE"), 200, "OK", "t2", "", null);
  }

  // ---- bad input ---------------------------------------------------------------------------

  @Test
  void badInputIsAnsweredAndCallsGoOn() throws Exception {
    String badPrivacy = callId();
    caller.send(caller.request("INVITE", "sip:+4930777@127.0.0.1", badPrivacy, "a1", "", 1, SipPeer.branch(),
        "Privacy: ;;\r\n", SipPeer.SDP_OFFER), node.sipPort);
    assertTrue(response(badPrivacy, "INVITE", 400).getReasonPhrase().contains("Privacy"));
    String badPai = callId();
    caller.send(caller.request("INVITE", "sip:+4930777@127.0.0.1", badPai, "a1", "", 1, SipPeer.branch(),
        "P-Asserted-Identity: not a uri\r\n", SipPeer.SDP_OFFER), node.sipPort);
    assertTrue(response(badPai, "INVITE", 400).getReasonPhrase().contains("P-Asserted-Identity"));

    // relayed as they are: garbage credentials, an unknown privacy value, a multipart body without boundary
    String odd = callId();
    String ruri = "sip:+4930778@127.0.0.1:" + node.sipPort;
    String body = "--x\r\nContent-Type: application/sdp\r\n\r\n" + SipPeer.SDP_OFFER + "\r\n--x--\r\n";
    caller.send(caller.request("INVITE", ruri, odd, "a1", "", 1, SipPeer.branch(),
        "Authorization: garbage\r\nPrivacy: whatever\r\nContent-Type: multipart/mixed\r\n", body), node.sipPort);
    SIPRequest toBob = awaitInvite(bob, "+4930778");
    assertEquals("garbage", joined(toBob, "Authorization"));
    assertEquals("multipart/mixed", joined(toBob, "Content-Type"));
    assertEquals(body, new String(toBob.getRawContent(), StandardCharsets.UTF_8));
    bob.respond(toBob, 200, "OK", "b1", "", SipPeer.SDP_ANSWER);
    hangUp(odd, ruri, response(odd, "INVITE", 200), toBob, "");

    String normal = callId();
    String normalUri = "sip:+4930779@127.0.0.1:" + node.sipPort;
    caller.send(caller.request("INVITE", normalUri, normal, "a1", "", 1, SipPeer.branch(), "", SipPeer.SDP_OFFER), node.sipPort);
    SIPRequest plain = awaitInvite(bob, "+4930779");
    bob.respond(plain, 200, "OK", "b1", "", SipPeer.SDP_ANSWER);
    hangUp(normal, normalUri, response(normal, "INVITE", 200), plain, "");
  }

  // ---- helpers -----------------------------------------------------------------------------

  private static String callId() {
    return "interop-" + (++counter) + "-" + System.nanoTime();
  }

  private static SIPRequest awaitInvite(SipPeer peer, String user) throws InterruptedException {
    return (SIPRequest) peer.await("INVITE for " + user, m -> m instanceof SIPRequest r && r.getMethod().equals("INVITE")
        && r.getRequestURI().toString().contains(user), WAIT);
  }

  private static SIPRequest request(SipPeer peer, String callId, String method) throws InterruptedException {
    return (SIPRequest) peer.await(method + " of " + callId, m -> m instanceof SIPRequest r && r.getMethod().equals(method)
        && r.getCallId().getCallId().equals(callId), WAIT);
  }

  private static SIPResponse response(String callId, String method, int status) throws InterruptedException {
    return (SIPResponse) caller.await(status + " to " + method + " of " + callId, m -> m instanceof SIPResponse r
        && r.getStatusCode() == status && r.getCSeq().getMethod().equals(method)
        && r.getCallId().getCallId().equals(callId), WAIT);
  }

  private static void hangUp(String callId, String ruri, SIPResponse ok, SIPRequest toBob, String byeHeaders)
      throws Exception {
    hangUp(callId, ruri, ok, toBob, byeHeaders, node);
  }

  /** ACK, BYE from the caller (with {@code byeHeaders}), its 200, the BYE at bob (headers checked) answered. */
  private static void hangUp(String callId, String ruri, SIPResponse ok, SIPRequest toBob, String byeHeaders,
      NodeProcess through) throws Exception {
    caller.send(caller.ackFor(ok, ruri, SipPeer.branch(), null), through.sipPort);
    String bCall = toBob.getCallId().getCallId();
    request(bob, bCall, "ACK");
    caller.send(caller.request("BYE", ruri, callId, "a1", ok.getToTag(), ok.getCSeq().getSeqNumber() + 1,
        SipPeer.branch(), byeHeaders, null), through.sipPort);
    response(callId, "BYE", 200);
    SIPRequest bye = request(bob, bCall, "BYE");
    if (byeHeaders.startsWith("Reason: ")) {
      assertEquals(byeHeaders.substring(8).trim(), joined(bye, "Reason"), "RFC 3326: the BYE's Reason goes on");
    }
    bob.respond(bye, 200, "OK", "b1", "", null);
  }

  /** Every value of the header, joined with "," (spaces after commas dropped). */
  private static String joined(SIPMessage m, String name) {
    List<String> values = new ArrayList<>();
    ListIterator<SIPHeader> it = m.getHeaders(name);
    while (it != null && it.hasNext()) {
      values.add(it.next().getHeaderValue().trim());
    }
    return String.join(",", values).replace(", ", ",");
  }

  /** Digest parameters (quotes removed; commas inside quotes are not expected here). */
  private static Map<String, String> params(String header) {
    Map<String, String> out = new HashMap<>();
    for (String p : header.substring(header.indexOf(' ') + 1).split(",")) {
      String[] kv = p.trim().split("=", 2);
      if (kv.length == 2) {
        String v = kv[1].trim();
        out.put(kv[0].trim().toLowerCase(), v.startsWith("\"") ? v.substring(1, v.length() - 1).replace("\\\"", "\"") : v);
      }
    }
    return out;
  }

  /** RFC 7616 §3.4.1 with qop=auth, computed here on its own. */
  private static String digest(String algorithm, String user, String realm, String password, String method, String uri,
      String nonce, String nc, String cnonce) throws Exception {
    String ha1 = hash(algorithm, user + ":" + realm + ":" + password);
    String ha2 = hash(algorithm, method + ":" + uri);
    return hash(algorithm, ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2);
  }

  private static String hash(String algorithm, String text) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(text.getBytes(StandardCharsets.UTF_8)));
  }
}
