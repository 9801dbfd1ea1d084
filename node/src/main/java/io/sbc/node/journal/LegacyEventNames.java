package io.sbc.node.journal;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.pekko.serialization.jackson.JacksonMigration;

/**
 * Reads call events stored under their class names from before the node was cut into packages
 * ({@code io.sbc.node.CallEntity$CallEstablished} and its siblings) as today's {@code CallEvent}
 * records: same fields, new name. Bound to each old name in application.conf
 * ({@code pekko.serialization.jackson.migrations}).
 */
public final class LegacyEventNames extends JacksonMigration {
  @Override
  public int currentVersion() {
    return 2;
  }

  @Override
  public String transformClassName(int fromVersion, String className) {
    String now = EventManifests.LEGACY.get(className);
    return now == null ? className : now;
  }

  @Override
  public JsonNode transform(int fromVersion, JsonNode json) {
    return json;
  }
}
