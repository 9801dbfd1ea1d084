package io.sbc.gateway.codec;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Proves the leak recorder works: leaks a buffer on purpose and checks the recorder saw it. Not
 * run under the extension's afterEach (that would fail this test); the recorder is drained here.
 */
class NettyLeakDetectorExtensionTest {

  @Test
  void deliberateLeakIsRecorded() {
    NettyLeakDetectorExtension.install();
    NettyLeakDetectorExtension.collectLeaks(); // start clean
    String marker = "deliberate-leak-" + System.nanoTime();
    leak(marker);
    List<String> seen = new ArrayList<>();
    for (int attempt = 0; attempt < 20 && seen.stream().noneMatch(s -> s.contains(marker)); attempt++) {
      seen.addAll(NettyLeakDetectorExtension.collectLeaks());
    }
    assertTrue(seen.stream().anyMatch(s -> s.contains(marker)),
        "recorder did not see the deliberate leak; saw: " + seen);
  }

  @Test
  void releasedBufferIsNotALeak() {
    NettyLeakDetectorExtension.install();
    NettyLeakDetectorExtension.collectLeaks();
    ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(32);
    buf.touch("released-properly").writeInt(1);
    buf.release();
    assertTrue(NettyLeakDetectorExtension.collectLeaks().isEmpty());
  }

  /** Separate frame so no local keeps the buffer reachable. */
  private static void leak(String marker) {
    ByteBuf buf = PooledByteBufAllocator.DEFAULT.directBuffer(128);
    buf.touch(marker).writeBytes(new byte[] {1, 2, 3});
    buf.touch(marker);
  }
}
