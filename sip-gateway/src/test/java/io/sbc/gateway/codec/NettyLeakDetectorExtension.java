package io.sbc.gateway.codec;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test when Netty reports a leaked reference-counted object.
 *
 * <p>Netty only logs leaks, and only when a later allocation happens to poll the reference queue
 * after a GC. This extension installs a {@link ResourceLeakDetectorFactory} whose detectors record
 * every report, and after each test forces GC plus a few allocations so pending leaks get polled.
 * Run with {@code -Dio.netty.leakDetection.level=PARANOID} (set by the build) so every buffer is
 * tracked; the level is also forced here in case it was not.
 *
 * <p>Detectors are created when Netty classes initialise (e.g. {@code AbstractByteBuf}). If some
 * earlier test in the same JVM loaded them before this extension, the factory comes too late, so
 * the existing ByteBuf detector is additionally hooked through its leak listener.
 */
public final class NettyLeakDetectorExtension implements BeforeAllCallback, AfterEachCallback {

  private static final ConcurrentLinkedQueue<String> LEAKS = new ConcurrentLinkedQueue<>();
  private static volatile boolean installed;

  static {
    install();
  }

  /** Installs the recording factory (idempotent); call before Netty buffers are first used. */
  public static synchronized void install() {
    if (installed) {
      return;
    }
    if (ResourceLeakDetector.getLevel().ordinal() < ResourceLeakDetector.Level.PARANOID.ordinal()) {
      ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    }
    ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
    hookExistingByteBufDetector();
    installed = true;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    install();
  }

  @Override
  public void afterEach(ExtensionContext context) {
    List<String> leaks = collectLeaks();
    if (!leaks.isEmpty()) {
      throw new AssertionError(leaks.size() + " Netty leak(s) detected in "
          + context.getDisplayName() + ":\n" + String.join("\n----\n", leaks));
    }
  }

  /**
   * Forces pending leak reports out and returns (and forgets) everything recorded so far. Public
   * so a test can check the recorder directly.
   */
  public static List<String> collectLeaks() {
    install();
    for (int round = 0; round < 5; round++) {
      System.gc();
      System.runFinalization();
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      // Tracking a new buffer is what polls the detector's reference queue.
      for (int i = 0; i < 8; i++) {
        PooledByteBufAllocator.DEFAULT.directBuffer(64).release();
        PooledByteBufAllocator.DEFAULT.heapBuffer(64).release();
        Unpooled.directBuffer(16).release();
      }
    }
    return drain();
  }

  /** Everything recorded so far, without forcing GC; clears the record. */
  public static List<String> drain() {
    List<String> out = new ArrayList<>();
    for (String s; (s = LEAKS.poll()) != null; ) {
      out.add(s);
    }
    return out;
  }

  static void record(String resourceType, String records) {
    LEAKS.add("LEAK: " + resourceType + (records == null || records.isEmpty() ? "" : "\n" + records));
  }

  private static void hookExistingByteBufDetector() {
    try {
      Class<?> abb = Class.forName("io.netty.buffer.AbstractByteBuf", false,
          NettyLeakDetectorExtension.class.getClassLoader());
      // Reading the field initialises the class, which already uses our factory if we were first.
      Field f = abb.getDeclaredField("leakDetector");
      f.setAccessible(true);
      Object detector = f.get(null);
      if (detector instanceof ResourceLeakDetector<?> d && !(detector instanceof RecordingDetector)) {
        d.setLeakListener(NettyLeakDetectorExtension::record);
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      System.err.println("NettyLeakDetectorExtension: cannot hook ByteBuf leak detector: " + e);
    }
  }

  private static final class RecordingFactory extends ResourceLeakDetectorFactory {
    @Override
    public <T> ResourceLeakDetector<T> newResourceLeakDetector(
        Class<T> resource, int samplingInterval, long maxActive) {
      return new RecordingDetector<>(resource, samplingInterval);
    }
  }

  /** Records reports instead of (only) logging them, whatever the logger configuration. */
  static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
    RecordingDetector(Class<?> resource, int samplingInterval) {
      super(resource, samplingInterval);
    }

    @Override
    protected boolean needReport() {
      return true; // the default asks whether ERROR logging is on
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
      record(resourceType, records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
      record(resourceType, null);
    }
  }
}
