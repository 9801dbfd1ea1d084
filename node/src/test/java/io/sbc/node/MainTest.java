package io.sbc.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.pekko.util.Version;
import org.junit.jupiter.api.Test;

class MainTest {
  @Test
  void pekkosAppVersionIsTheBuildsUnlessConfigured() throws Exception {
    Path dir = Files.createTempDirectory("sbc-main-test");
    Config base = ConfigFactory.parseString("sbc.data-dir = \"" + dir + "\"").withFallback(ConfigFactory.load());
    String built = Main.withDerivedSettings(base).getString("pekko.cluster.app-version");
    assertTrue(built.matches("\\d+\\.\\d+\\.\\d+.*"), "the version Maven built: " + built);
    new Version(built); // Pekko can order it
    assertEquals("2.3.4", Main.withDerivedSettings(ConfigFactory.parseString("sbc.app-version = \"2.3.4\"")
        .withFallback(base)).getString("pekko.cluster.app-version"), "SBC_APP_VERSION, e.g. the image tag, wins");
  }
}
