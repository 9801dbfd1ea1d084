package io.sbc.protocol.uri;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import gov.nist.javax.sip.address.AddressFactoryImpl;
import org.junit.jupiter.api.Test;

class RequestTargetTest {
  private static final AddressFactoryImpl URIS = new AddressFactoryImpl();

  private static RequestTarget of(String uri) throws Exception {
    return RequestTarget.of(URIS.createURI(uri));
  }

  @Test
  void aSipUser() throws Exception {
    RequestTarget t = of("sip:bob@carrier.example:5060;transport=tcp");
    assertEquals("bob", t.user());
    assertEquals("carrier.example", t.host());
    assertFalse(t.phone());
    assertEquals("bob", t.routingUser());
  }

  @Test
  void aGlobalTelNumberKeepsItsSeparatorsButRoutesOnDigits() throws Exception {
    RequestTarget t = of("tel:+49-30-(123).456");
    assertEquals("+49-30-(123).456", t.user());
    assertEquals("", t.host());
    assertTrue(t.phone());
    assertEquals("+4930123456", t.routingUser());
  }

  @Test
  void aLocalTelNumberKeepsItsContext() throws Exception {
    RequestTarget t = of("tel:1234;phone-context=example.com");
    assertEquals("1234;phone-context=example.com", t.user());
    assertEquals("1234", t.routingUser());
  }

  @Test
  void aSipUriWithUserPhoneIsANumber() throws Exception {
    RequestTarget t = of("sip:+1-212-555-0100;ext=22@gw.example;user=phone");
    assertTrue(t.phone());
    assertEquals("gw.example", t.host());
    assertEquals("+12125550100", t.routingUser());
  }

  @Test
  void noUser() throws Exception {
    assertNull(of("sip:gw.example").user());
    assertNull(of("sip:gw.example").routingUser());
  }

  @Test
  void numbersCompareWithoutCaseOrSeparators() {
    assertEquals("+1234ABCD", RequestTarget.number("+1 234.ab-cd;isub=1"));
  }
}
