package io.sbc.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FrontTest {
  @Test
  void theDestinationGoesRightAfterTheRequestLineAndNothingElseChanges() {
    String request = "BYE sip:bob@192.0.2.7:5070 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\n"
        + "Content-Length: 0\r\n\r\n";
    byte[] out = Front.addressed(request.getBytes(StandardCharsets.UTF_8), new InetSocketAddress("192.0.2.7", 5070));
    assertEquals("BYE sip:bob@192.0.2.7:5070 SIP/2.0\r\nX-SBC-Dst: sip:192.0.2.7:5070\r\n"
        + "Via: SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1\r\nContent-Length: 0\r\n\r\n", new String(out, StandardCharsets.UTF_8));
  }

  @Test
  void anIpv6DestinationIsBracketed() {
    byte[] out = Front.addressed("OPTIONS sip:x SIP/2.0\r\n\r\n".getBytes(StandardCharsets.UTF_8),
        new InetSocketAddress("2001:db8::1", 5060));
    assertTrue(new String(out, StandardCharsets.UTF_8).contains("X-SBC-Dst: sip:[2001:db8:0:0:0:0:0:1]:5060\r\n"));
  }

  @Test
  void bothAddressesOrNeither() {
    assertFalse(Front.create(ConfigFactory.parseString("address = \"\", egress = \"\"")).enabled());
    Front front = Front.create(ConfigFactory.parseString("address = \"203.0.113.5:5060\", egress = \"10.0.0.9:5001\""));
    assertTrue(front.enabled());
    assertEquals("203.0.113.5:5060", front.address());
    assertEquals(new InetSocketAddress("10.0.0.9", 5001), front.egress());
    assertThrows(IllegalArgumentException.class,
        () -> Front.create(ConfigFactory.parseString("address = \"203.0.113.5:5060\", egress = \"\"")));
    assertThrows(IllegalArgumentException.class,
        () -> Front.create(ConfigFactory.parseString("address = \"203.0.113.5\", egress = \"10.0.0.9:5001\"")));
  }
}
