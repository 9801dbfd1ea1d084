package io.sbc.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CodecWarmUpTest {
  @Test
  void everyMessageOfTheWarmUpParsesAndIsCounted() {
    assertEquals(8 * 3, CodecWarmUp.run(3, 60_000).messages());
    assertEquals(0, CodecWarmUp.run(0, 60_000).messages());
    assertEquals(0, CodecWarmUp.run(1000, 0).messages(), "no time, no rounds");
  }
}
