package io.sbc.node.journal;

import io.sbc.node.dialog.CallEvent.CallEnded;
import io.sbc.node.dialog.CallEvent.CallEstablished;
import java.util.List;
import java.util.Map;

/**
 * The serializer manifests (class names) under which call events sit in {@code event_journal}:
 * today's, and those written before the node was cut into packages, when the events were nested
 * in {@code io.sbc.node.CallEntity}. Queries match both; {@link LegacyEventNames} reads the old.
 */
final class EventManifests {
  private EventManifests() {}

  private static final String LEGACY_PREFIX = "io.sbc.node.CallEntity$";

  /** Old manifest → today's class, for every event a journal may still hold. */
  static final Map<String, String> LEGACY = Map.of(
      LEGACY_PREFIX + "CallEstablished", CallEstablished.class.getName(),
      LEGACY_PREFIX + "DialogUpdated", io.sbc.node.dialog.CallEvent.DialogUpdated.class.getName(),
      LEGACY_PREFIX + "SessionTimerArmed", io.sbc.node.dialog.CallEvent.SessionTimerArmed.class.getName(),
      LEGACY_PREFIX + "SessionRefreshed", io.sbc.node.dialog.CallEvent.SessionRefreshed.class.getName(),
      LEGACY_PREFIX + "SessionExpired", io.sbc.node.dialog.CallEvent.SessionExpired.class.getName(),
      LEGACY_PREFIX + "CallEnded", CallEnded.class.getName());

  static final List<String> ESTABLISHED = List.of(CallEstablished.class.getName(), LEGACY_PREFIX + "CallEstablished");
  static final List<String> ENDED = List.of(CallEnded.class.getName(), LEGACY_PREFIX + "CallEnded");
}
