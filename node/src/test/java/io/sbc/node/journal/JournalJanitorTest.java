package io.sbc.node.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.sbc.node.call.CallEntity;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import io.sbc.node.dialog.CallEvent;
import org.junit.jupiter.api.Test;

class JournalJanitorTest {
  private static final String URL = "jdbc:h2:mem:janitor-test;DB_CLOSE_DELAY=-1";
  private static final long NOW = 1_000_000_000L;

  @Test
  void deletesOnlyCallsThatEndedBeforeTheRetention() throws Exception {
    JournalSchema.ensure("h2", URL, "sa", "");
    String established = CallEvent.CallEstablished.class.getName();
    String ended = JournalJanitor.ENDED_MANIFEST;
    insert("Call|old-ended", 1, established, NOW - 600_000);
    insert("Call|old-ended", 2, ended, NOW - 590_000);
    insert("Call|old-running", 1, established, NOW - 600_000);
    insert("Call|recently-ended", 1, established, NOW - 100_000);
    insert("Call|recently-ended", 2, ended, NOW - 60_000);
    String handedOff = CallEvent.HandedOff.class.getName();
    insert("Call|abandoned-setup", 1, handedOff, NOW - 600_000);
    insert("Call|ringing-after-hand-off", 1, handedOff, NOW - 60_000);
    insert("Call|handed-off-running", 1, established, NOW - 900_000);
    insert("Call|handed-off-running", 2, handedOff, NOW - 600_000);

    AtomicLong counted = new AtomicLong();
    JournalJanitor janitor = new JournalJanitor(URL, "sa", "", Duration.ofMinutes(5), counted::addAndGet);
    assertEquals(3, janitor.runOnce(NOW));
    assertEquals(3, counted.get());
    assertEquals(0, rows("Call|abandoned-setup"), "a setup whose node died long ago is gone");
    assertEquals(1, rows("Call|ringing-after-hand-off"), "a recent hand-off of a setup stays");
    assertEquals(2, rows("Call|handed-off-running"), "an established call stays, hand-off or not");
    assertEquals(0, rows("Call|old-ended"));
    assertEquals(1, rows("Call|old-running"), "a call still up keeps its dialog");
    assertEquals(2, rows("Call|recently-ended"), "a lingering call keeps its events");
    assertEquals(0, janitor.runOnce(NOW), "running again deletes nothing more");
  }

  @Test
  void deletesCallsWhoseEventsCarryThePrePackageClassNames() throws Exception {
    String url = URL.replace("janitor-test", "janitor-legacy-test");
    JournalSchema.ensure("h2", url, "sa", "");
    insert(url, "Call|legacy-ended", 1, "io.sbc.node.CallEntity$CallEstablished", NOW - 600_000);
    insert(url, "Call|legacy-ended", 2, "io.sbc.node.CallEntity$CallEnded", NOW - 590_000);
    insert(url, "Call|legacy-running", 1, "io.sbc.node.CallEntity$CallEstablished", NOW - 600_000);
    JournalJanitor janitor = new JournalJanitor(url, "sa", "", Duration.ofMinutes(5), n -> { });
    assertEquals(2, janitor.runOnce(NOW), "the ended call written by an earlier version is deleted");
    CallWaker waker = new CallWaker(url, "sa", "", id -> { }, n -> { });
    assertEquals(java.util.List.of("legacy-running"), waker.activeCalls(), "and its running call is woken");
  }

  private static void insert(String pid, long seq, String manifest, long at) throws Exception {
    insert(URL, pid, seq, manifest, at);
  }

  private static void insert(String url, String pid, long seq, String manifest, long at) throws Exception {
    try (Connection c = DriverManager.getConnection(url, "sa", "");
        PreparedStatement st = c.prepareStatement(
            "INSERT INTO \"event_journal\" (\"persistence_id\", \"sequence_number\", \"writer\", \"write_timestamp\","
                + " \"adapter_manifest\", \"event_payload\", \"event_ser_id\", \"event_ser_manifest\")"
                + " VALUES (?, ?, 'w', ?, '', X'00', 33, ?)")) {
      st.setString(1, pid);
      st.setLong(2, seq);
      st.setLong(3, at);
      st.setString(4, manifest);
      st.executeUpdate();
    }
  }

  private static int rows(String pid) throws Exception {
    try (Connection c = DriverManager.getConnection(URL, "sa", "");
        PreparedStatement st = c.prepareStatement("SELECT COUNT(*) FROM \"event_journal\" WHERE \"persistence_id\" = ?")) {
      st.setString(1, pid);
      try (ResultSet rs = st.executeQuery()) {
        rs.next();
        return rs.getInt(1);
      }
    }
  }
}
