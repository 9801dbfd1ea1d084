package io.sbc.node.dialog;

import io.sbc.gateway.CborSerializable;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * What happened to a call and why, newest last, for an operator reading {@code GET
 * /sbc/calls/{id}}: midcall decisions, refreshes, expiry, recovery, the end. Soft state of the
 * live entity (writing it to the journal would cost a write per decision): after a fail-over it
 * starts again with the recovery. Bounded, so a long call with many refreshes stays small.
 */
public final class CallTrail {
  /** One entry: when (wall clock) and what. */
  public record Entry(long atMillis, String what) implements CborSerializable {}

  static final int MAX_ENTRIES = 64;

  private final Deque<Entry> entries = new ArrayDeque<>();

  public void add(String what) {
    if (entries.size() == MAX_ENTRIES) {
      entries.removeFirst();
    }
    entries.addLast(new Entry(System.currentTimeMillis(), what));
  }

  /** Starts from what an earlier incarnation wrote (a hand-off), before anything new. */
  void restore(List<Entry> earlier) {
    entries.clear();
    int skip = Math.max(0, earlier.size() - MAX_ENTRIES);
    earlier.stream().skip(skip).forEach(entries::addLast);
  }

  public List<Entry> entries() {
    return List.copyOf(entries);
  }
}
