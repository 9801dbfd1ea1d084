package io.sbc.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class CodecWarmUpTest {
  @Test
  void everyMessageOfTheWarmUpParsesAndIsCounted() {
    assertEquals(8 * 3, CodecWarmUp.run(3).messages());
    assertEquals(0, CodecWarmUp.run(0).messages());
  }
}
