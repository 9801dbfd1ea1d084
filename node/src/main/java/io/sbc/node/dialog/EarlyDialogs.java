package io.sbc.node.dialog;

import io.sbc.gateway.CborSerializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The early part of a call being set up, as the SBC sees it from its two UA roles:
 * <ul>
 *   <li>the callee's early dialogs (RFC 3261 §12.1.2), one per To-tag of its provisional
 *       responses: a forking proxy downstream gives several. The B-leg follows the fork that
 *       last sent an 18x, and finally the fork whose 2xx came first; the caller sees a single
 *       early dialog (the A-leg's own To-tag).</li>
 *   <li>the reliable provisional responses (RFC 3262) the SBC sent the caller with the A-leg's
 *       own RSeq and awaits a PRACK for, each tied to the callee's reliable 18x it relays (or made
 *       reliable by the SBC itself), and those queued behind them (one at a time, §3).</li>
 * </ul>
 * Soft state like the transactions (not journaled): a hand-off carries it as a {@link Snapshot}.
 */
public final class EarlyDialogs {
  /**
   * One early dialog of the callee: its To-tag, remote target (the last Contact it sent), route
   * set (fixed by its first 18x, §12.1.2), the last CSeq it used in it and the RSeq of its last
   * reliable provisional response (0: none yet).
   */
  public record Fork(String tag, String target, List<String> routeSet, long remoteCseq, long lastRseq)
      implements CborSerializable {
    public Fork {
      routeSet = routeSet == null ? List.of() : List.copyOf(routeSet);
    }

    Fork with(String newTarget, long cseq, long rseq) {
      return new Fork(tag, newTarget, routeSet, cseq, rseq);
    }
  }

  /**
   * A reliable provisional response sent to the caller: {@code rseq} of the A-leg, {@code cseq}
   * of the caller's INVITE, the bytes sent (retransmitted until the PRACK comes); {@code forkTag},
   * {@code forkRseq}, {@code forkCseq} name the callee's reliable 18x it relays and the B-leg
   * INVITE's CSeq (null/0: the SBC made an unreliable 18x reliable, its PRACK is answered here).
   */
  public record Reliable(long rseq, long cseq, String forkTag, long forkRseq, long forkCseq, byte[] response)
      implements CborSerializable {}

  /** A provisional response from the callee (wire form) waiting for its turn to go reliably to the caller. */
  public record Queued(byte[] response, String forkTag, long forkRseq, long forkCseq) implements CborSerializable {}

  /** All of it, for a hand-off ({@code inviteBranch}: the B-leg INVITE whose 2xx came first, null before). */
  public record Snapshot(List<Fork> forks, String inviteBranch, long lastRseq, List<Reliable> unacked,
      List<Queued> queued) implements CborSerializable {
    public Snapshot {
      forks = forks == null ? List.of() : List.copyOf(forks);
      unacked = unacked == null ? List.of() : List.copyOf(unacked);
      queued = queued == null ? List.of() : List.copyOf(queued);
    }
  }

  private final Map<String, Fork> forks = new LinkedHashMap<>();
  private final Map<Long, Reliable> unacked = new LinkedHashMap<>();
  private final Deque<Queued> queued = new ArrayDeque<>();
  private String inviteBranch;
  private long lastRseq;

  public EarlyDialogs() {}

  /** Rebuilt from a hand-off's snapshot (null: nothing early was in flight). */
  public static EarlyDialogs of(Snapshot s) {
    EarlyDialogs e = new EarlyDialogs();
    if (s != null) {
      s.forks().forEach(f -> e.forks.put(f.tag(), f));
      s.unacked().forEach(r -> e.unacked.put(r.rseq(), r));
      e.queued.addAll(s.queued());
      e.inviteBranch = s.inviteBranch();
      e.lastRseq = s.lastRseq();
    }
    return e;
  }

  public Snapshot snapshot() {
    return new Snapshot(new ArrayList<>(forks.values()), inviteBranch, lastRseq, new ArrayList<>(unacked.values()),
        new ArrayList<>(queued));
  }

  // ---- the callee's forks -----------------------------------------------------------------

  /**
   * An 18x with a To-tag from the callee: creates that early dialog (its route set is fixed
   * now) or refreshes its target (null: the Contact it had). Returns the fork.
   */
  public Fork provisional(String tag, String contact, List<String> routeSet, String fallbackTarget) {
    Fork f = forks.get(tag);
    Fork updated = f == null
        ? new Fork(tag, contact == null ? fallbackTarget : contact, routeSet, 0, 0)
        : f.with(contact == null ? f.target() : contact, f.remoteCseq(), f.lastRseq());
    forks.put(tag, updated);
    return updated;
  }

  /** The early dialog with this To-tag of the callee (null: none). */
  public Fork fork(String tag) {
    return tag == null ? null : forks.get(tag);
  }

  /** The callee used {@code cseq} in fork {@code tag}'s early dialog. */
  public void remoteCseq(String tag, long cseq) {
    forks.computeIfPresent(tag, (t, f) -> f.with(f.target(), cseq, f.lastRseq()));
  }

  /** A reliable provisional response with {@code rseq} came from fork {@code tag}. */
  public void rseqReceived(String tag, long rseq) {
    forks.computeIfPresent(tag, (t, f) -> f.with(f.target(), f.remoteCseq(), rseq));
  }

  /** A target refresh (§12.2) in fork {@code tag}'s early dialog. */
  public void target(String tag, String contact) {
    forks.computeIfPresent(tag, (t, f) -> f.with(contact, f.remoteCseq(), f.lastRseq()));
  }

  /** The callee ended fork {@code tag}'s early dialog (it sent BYE in it). */
  public void forget(String tag) {
    forks.remove(tag);
  }

  /**
   * The 2xx to the B-leg INVITE sent with {@code branch} came first: {@code leg} is the B-leg of
   * that fork (as the 2xx made it) with the CSeq the callee used in its early dialog, if any.
   */
  public Leg answered(String branch, Leg leg) {
    inviteBranch = branch;
    Fork f = forks.get(leg.remoteTag());
    return f == null || f.remoteCseq() <= leg.remoteCseq() ? leg : leg.withRemoteCseq(f.remoteCseq());
  }

  /** The B-leg INVITE whose 2xx came first (null: none yet): a 2xx to it with another To-tag is another fork's. */
  public String inviteBranch() {
    return inviteBranch;
  }

  // ---- reliable provisional responses to the caller ---------------------------------------

  /** The A-leg's next RSeq: random at first (RFC 3262 §3: 1 to 2**31 - 1), then one up. */
  public long nextRseq() {
    lastRseq = lastRseq == 0 ? ThreadLocalRandom.current().nextLong(1, 1L << 30) : lastRseq + 1;
    return lastRseq;
  }

  public void sent(Reliable r) {
    unacked.put(r.rseq(), r);
  }

  /** The reliable provisional with this A-leg RSeq that awaits its PRACK (null: none). */
  public Reliable unacked(long rseq) {
    return unacked.get(rseq);
  }

  /** Its PRACK came: acknowledged. */
  public void acked(long rseq) {
    unacked.remove(rseq);
  }

  /** A reliable provisional awaits its PRACK: the next one must wait (RFC 3262 §3). */
  public boolean awaitingPrack() {
    return !unacked.isEmpty();
  }

  public void queue(Queued q) {
    queued.add(q);
  }

  /** The next provisional response waiting for its turn (null: none). */
  public Queued nextQueued() {
    return queued.poll();
  }
}
