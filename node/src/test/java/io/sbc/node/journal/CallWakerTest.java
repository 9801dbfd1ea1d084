package io.sbc.node.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CallWakerTest {
  @Test
  void theWakerSweepsAfterTheRemovalMarginOfTheSplitBrainResolver() {
    Config app = ConfigFactory.load();
    assertEquals(Duration.ofSeconds(5), CallWaker.removalMargin(app), "stable-after when down-removal-margin is off");
    assertEquals(Duration.ofSeconds(2),
        CallWaker.removalMargin(ConfigFactory.parseString("pekko.cluster.down-removal-margin = 2s").withFallback(app)));
    assertEquals(java.util.List.of(Duration.ofSeconds(7), Duration.ofSeconds(15)),
        java.util.List.of(CallWaker.afterRemoval(Duration.ofSeconds(5))));
  }
}
