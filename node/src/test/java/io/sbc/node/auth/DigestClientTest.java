package io.sbc.node.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The digest answer against RFC 7616 §3.9.1 and against the formula computed here independently. */
class DigestClientTest {
  /** RFC 7616 §3.9.1: the WWW-Authenticate of the example, once per algorithm. */
  private static DigestChallenge rfc7616(String algorithm) {
    return DigestChallenge.parse("Digest realm=\"http-auth@example.org\", qop=\"auth, auth-int\", algorithm="
        + algorithm + ", nonce=\"7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v\","
        + " opaque=\"FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS\"").orElseThrow();
  }

  private static final String CNONCE = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ";

  @Test
  void rfc7616ExampleMd5() {
    assertEquals("8ca523f5e9506fed4657c9700eebdbec", DigestClient.response(rfc7616("MD5"), "Mufasa", "Circle of Life",
        "GET", "/dir/index.html", null, "auth", CNONCE, "00000001"));
  }

  @Test
  void rfc7616ExampleSha256() {
    assertEquals("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1",
        DigestClient.response(rfc7616("SHA-256"), "Mufasa", "Circle of Life", "GET", "/dir/index.html", null, "auth",
            CNONCE, "00000001"));
  }

  @Test
  void theHeaderCarriesWhatTheServerNeeds() {
    String h = DigestClient.authorization(rfc7616("SHA-256"), "Mufasa", "Circle of Life", "GET", "/dir/index.html",
        null, CNONCE, 1);
    assertTrue(h.startsWith("Digest "), h);
    Map<String, String> p = DigestChallenge.params(h.substring(7));
    assertEquals("Mufasa", p.get("username"));
    assertEquals("http-auth@example.org", p.get("realm"));
    assertEquals("/dir/index.html", p.get("uri"));
    assertEquals("SHA-256", p.get("algorithm"));
    assertEquals("auth", p.get("qop"), "auth preferred to auth-int");
    assertEquals("00000001", p.get("nc"));
    assertEquals(CNONCE, p.get("cnonce"));
    assertEquals("FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS", p.get("opaque"));
    assertEquals("753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", p.get("response"));
    assertTrue(h.contains("algorithm=SHA-256, qop=auth, nc=00000001"), "algorithm, qop and nc are tokens: " + h);
  }

  @Test
  void withoutQopAsRfc2069() throws Exception {
    DigestChallenge c = DigestChallenge.parse("Digest realm=\"trunk.example\",nonce=\"abc123\"").orElseThrow();
    assertEquals("MD5", c.algorithm());
    assertEquals(List.of(), c.qops());
    String ha1 = md5("sbc:trunk.example:s3cret");
    String ha2 = md5("INVITE:sip:+4930123@10.0.0.1;user=phone");
    String expected = md5(ha1 + ":abc123:" + ha2);
    String h = DigestClient.authorization(c, "sbc", "s3cret", "INVITE", "sip:+4930123@10.0.0.1;user=phone", null, "x", 1);
    Map<String, String> p = DigestChallenge.params(h.substring(7));
    assertEquals(expected, p.get("response"));
    assertFalse(p.containsKey("qop"));
    assertFalse(p.containsKey("cnonce"));
    assertFalse(p.containsKey("opaque"));
  }

  @Test
  void authIntAndSessAnswers() throws Exception {
    DigestChallenge c = DigestChallenge.parse("Digest realm=\"r\", nonce=\"n\", qop=\"auth-int\", algorithm=MD5-sess")
        .orElseThrow();
    byte[] body = "v=0\r\n".getBytes(StandardCharsets.UTF_8);
    String ha1 = md5(md5("u:r:p") + ":n:cn");
    String ha2 = md5("INVITE:sip:b@h:" + md5("v=0\r\n"));
    assertEquals(md5(ha1 + ":n:00000001:cn:auth-int:" + ha2),
        DigestClient.response(c, "u", "p", "INVITE", "sip:b@h", body, "auth-int", "cn", "00000001"));
  }

  @Test
  void whatCannotBeAnswered() {
    assertFalse(DigestClient.supports(DigestChallenge.parse("Digest realm=\"r\", nonce=\"n\", algorithm=AKAv1-MD5").orElseThrow()));
    assertFalse(DigestClient.supports(DigestChallenge.parse("Digest realm=\"r\", nonce=\"n\", qop=\"other\"").orElseThrow()));
    assertFalse(DigestClient.supports(DigestChallenge.parse("Digest realm=\"r\", nonce=\"n\", algorithm=MD5-sess").orElseThrow()),
        "-sess without qop has no cnonce");
    assertTrue(DigestClient.supports(DigestChallenge.parse("Digest realm=\"r\", nonce=\"n\", algorithm=sha-512-256, qop=auth").orElseThrow()));
  }

  @Test
  void garbageIsNoChallenge() {
    assertTrue(DigestChallenge.parse("Basic realm=\"r\"").isEmpty());
    assertTrue(DigestChallenge.parse("Digest").isEmpty());
    assertTrue(DigestChallenge.parse("Digest realm=\"r\"").isEmpty(), "no nonce");
    assertTrue(DigestChallenge.parse("Digest realm=\"unterminated, nonce=\"n\"").isEmpty());
    assertTrue(DigestChallenge.parse("Digest garbage").isEmpty());
    assertTrue(DigestChallenge.parse(null).isEmpty());
    assertEquals("a \"quoted\" realm, with comma",
        DigestChallenge.parse("Digest realm=\"a \\\"quoted\\\" realm, with comma\", nonce=n").orElseThrow().realm());
  }

  private static String md5(String s) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(s.getBytes(StandardCharsets.UTF_8)));
  }
}
