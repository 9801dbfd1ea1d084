package io.sbc.node.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CallWakerTest {
  @Test
  void theWakerSweepsAfterTheRemovalMarginTheDowningProviderUses() {
    Config app = ConfigFactory.load();
    assertEquals(Duration.ZERO, CallWaker.removalMargin(app), "shards of a downed node move at once by default");
    assertEquals(Duration.ofSeconds(2),
        CallWaker.removalMargin(ConfigFactory.parseString("sbc.cluster.down-removal-margin = 2s").withFallback(app)));
    assertEquals(java.util.List.of(Duration.ofSeconds(6), Duration.ofSeconds(15)),
        java.util.List.of(CallWaker.afterRemoval(Duration.ofSeconds(5))));
  }
}
