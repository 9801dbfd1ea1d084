package io.sbc.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class FenceTest {
  @Test
  void aSuspendedFenceIsClosedUntilResumed() {
    Fence fence = Fence.open();
    assertFalse(fence.closed());
    fence.suspend("only 1 of 3 members reachable");
    assertTrue(fence.closed());
    assertEquals("only 1 of 3 members reachable", fence.reason());
    fence.resume();
    assertFalse(fence.closed());
    assertNull(fence.reason());
  }

  @Test
  void aRunningProcessIsNotTakenForAPausedOne() throws InterruptedException {
    Fence fence = Fence.watchingPauses(Duration.ofSeconds(2), Duration.ofMillis(20), pause -> {
      throw new AssertionError("no pause happened: " + pause);
    });
    for (int i = 0; i < 20; i++) {
      assertFalse(fence.closed());
      Thread.sleep(20);
    }
  }

  @Test
  void afterAPauseOverTheLimitTheFenceIsClosedAtOnceAndForGood() {
    long[] now = {0};
    Duration[] seen = new Duration[1];
    Fence fence = new Fence(Duration.ofSeconds(6), () -> now[0]);
    now[0] += Duration.ofSeconds(5).toNanos();
    fence.tick(p -> seen[0] = p);
    assertFalse(fence.closed(), "5 s without a tick is no pause over 6 s");
    assertEquals(5000, fence.longestStallMillis());
    now[0] += Duration.ofSeconds(8).toNanos();
    assertTrue(fence.closed(), "a message read before the watch runs again sees the stale tick");
    fence.tick(p -> seen[0] = p);
    assertEquals(Duration.ofSeconds(8), seen[0]);
    fence.resume();
    now[0] += 1;
    assertTrue(fence.closed(), "for good");
    assertTrue(fence.reason().contains("stopped for 8000 ms"), fence.reason());
  }
}
