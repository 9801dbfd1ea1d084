package io.sbc.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DecodeLanesTest {
  private static int hash(String headers) {
    return DecodeLanes.callIdHash(("INVITE sip:a@b SIP/2.0\r\n" + headers + "\r\n").getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void sameCallIdSameLaneWhateverTheHeaderSpelling() {
    int h = hash("Via: SIP/2.0/UDP x\r\nCall-ID: abc@host\r\nCSeq: 1 INVITE\r\n");
    assertEquals(h, hash("call-id:abc@host\r\n"));
    assertEquals(h, hash("i: abc@host\r\n"));
    assertEquals(h, hash("CALL-ID :  abc@host\r\n"));
    assertNotEquals(h, hash("Call-ID: abd@host\r\n"));
  }

  @Test
  void headersAfterTheBodySeparatorAreNotRead() {
    assertEquals(0, hash("CSeq: 1 INVITE\r\n\r\nCall-ID: in-the-body\r\n"));
    assertEquals(0, hash("CSeq: 1 INVITE\r\n"));
  }
}
