package io.sbc.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.sbc.gateway.MessageLabels.Method;
import io.sbc.gateway.MessageLabels.StatusClass;
import io.sbc.protocol.DecodeResult;
import io.sbc.protocol.SipCodec;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Labels come from a fixed set whatever the wire carries, and the wire scan agrees with the parser. */
class MessageLabelsTest {

  @Test
  void everyNamedMethodIsItselfAndAnythingElseIsOther() {
    for (String m : new String[] {"INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "UPDATE", "PRACK", "INFO", "REFER",
        "NOTIFY", "SUBSCRIBE", "MESSAGE", "REGISTER"}) {
      assertEquals(m, Method.of(m).label());
      assertEquals(m, MessageLabels.ofWire(request(m, m)).method().label());
    }
    assertEquals(Method.OTHER, Method.of("invite"), "methods are case-sensitive (RFC 3261 7.1)");
    assertEquals(Method.OTHER, Method.of("PUBLISHX"));
    assertEquals(Method.OTHER, Method.of(null));
    assertEquals("other", MessageLabels.ofWire(request("FOO", "FOO")).method().label());
    assertEquals(Method.OTHER, MessageLabels.ofWire(new byte[0]).method());
    assertEquals(Method.OTHER, MessageLabels.ofWire("INVITE".getBytes(StandardCharsets.US_ASCII)).method());
  }

  @Test
  void aResponseHasItsCseqMethodAndStatusClass() {
    MessageLabels l = MessageLabels.ofWire(response("491 Request Pending", "CSeq: 2 INVITE"));
    assertEquals(new MessageLabels(Method.INVITE, StatusClass.C4XX), l);
    assertEquals("response", l.kind());
    assertEquals("4xx", l.status().label());
    assertEquals(new MessageLabels(Method.UPDATE, StatusClass.C2XX),
        MessageLabels.ofWire(response("200 OK", "cseq :\t 7   UPDATE")), "header names are case-insensitive");
    assertEquals(new MessageLabels(Method.OTHER, StatusClass.C1XX), MessageLabels.ofWire(response("100 Trying", "X: 1")));
    assertEquals(StatusClass.OTHER, MessageLabels.ofWire(response("999 Odd", "CSeq: 1 BYE")).status());
    assertEquals(StatusClass.OTHER, MessageLabels.ofWire(response("2x0 Odd", "CSeq: 1 BYE")).status());
    assertEquals(StatusClass.C6XX, StatusClass.ofCode(603));
    assertEquals("", StatusClass.NONE.label());
    assertTrue(MessageLabels.ofWire(request("BYE", "BYE")).request());
  }

  @Test
  void theParsedMessageGivesTheSameLabelsAsItsWireForm() {
    byte[] req = request("REFER", "REFER");
    byte[] resp = response("603 Decline", "CSeq: 1 INVITE");
    for (byte[] wire : new byte[][] {req, resp}) {
      DecodeResult.Decoded d = (DecodeResult.Decoded) SipCodec.decode(wire);
      assertEquals(MessageLabels.ofWire(wire), MessageLabels.of(d.message()));
      assertEquals(MessageLabels.ofWire(SipCodec.encode(d.message())), MessageLabels.of(d.message()));
    }
  }

  @Test
  void randomMethodsAndStatusesStayInABoundedSetOfLabels() {
    Random random = new Random(42);
    Set<String> labels = new HashSet<>();
    for (int i = 0; i < 2000; i++) {
      String method = randomToken(random);
      labels.add(MessageLabels.ofWire(request(method, method)).method().label());
      String status = (random.nextInt(1000)) + " X";
      MessageLabels r = MessageLabels.ofWire(response(status, "CSeq: 1 " + randomToken(random)));
      labels.add(r.method().label() + "/" + r.status().label());
    }
    assertTrue(labels.size() <= Method.values().length + Method.values().length * StatusClass.values().length,
        labels.toString());
    assertTrue(labels.contains("other"), labels.toString());
    labels.forEach(l -> assertTrue(l.matches("[A-Za-z]+(/([1-6]xx|other))?"), l));
  }

  private static String randomToken(Random random) {
    StringBuilder b = new StringBuilder();
    for (int n = 1 + random.nextInt(9); n > 0; n--) {
      b.append((char) ('A' + random.nextInt(26)));
    }
    return b.toString();
  }

  private static byte[] request(String method, String cseqMethod) {
    return (method + " sip:bob@example.com SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK1\r\n"
        + "Max-Forwards: 70\r\n"
        + "From: <sip:a@example.com>;tag=1\r\n"
        + "To: <sip:bob@example.com>\r\n"
        + "Call-ID: labels-1\r\n"
        + "CSeq: 1 " + cseqMethod + "\r\n"
        + "Content-Length: 0\r\n\r\n").getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] response(String statusLine, String cseq) {
    return ("SIP/2.0 " + statusLine + "\r\n"
        + "Via: SIP/2.0/UDP 127.0.0.1:5099;branch=z9hG4bK1\r\n"
        + "From: <sip:a@example.com>;tag=1\r\n"
        + "To: <sip:bob@example.com>;tag=2\r\n"
        + "Call-ID: labels-1\r\n"
        + cseq + "\r\n"
        + "Content-Length: 0\r\n\r\n").getBytes(StandardCharsets.UTF_8);
  }
}
