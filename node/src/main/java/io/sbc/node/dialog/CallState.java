package io.sbc.node.dialog;

import io.sbc.node.dialog.CallEvent.CallEstablished;
import io.sbc.node.dialog.CallEvent.DialogUpdated;
import io.sbc.node.dialog.Leg.Side;
import io.sbc.node.dialog.PersistedCall.Established;
import io.sbc.node.routing.RouteTable;
import io.sbc.protocol.CallIds;
import io.sbc.protocol.sdp.CodecFilter;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The live state of one call that every part of it reads: the two legs, the phase, the route,
 * the SDP each peer established at setup, and what the journal holds of the legs (so that only
 * real changes are persisted). One instance per entity, handed to each part.
 */
public final class CallState {
  /** After a failover the last CSeqs used are unknown; jumping ahead keeps them increasing. */
  static final long CSEQ_STEP_AFTER_RECOVERY = 1000;

  private final CallIds callIds;
  private Phase phase = Phase.IDLE;
  private Leg a;
  private Leg b;
  private String route = RouteTable.DEFAULT_ROUTE;
  private String setupSdpA = "";
  private String setupSdpB = "";
  private List<Set<String>> setupCodecs;
  /** The journal holds the confirmed dialog (and no CallEnded yet). */
  private boolean persisted;
  private Leg persistedA;
  private Leg persistedB;
  private final CallTrail trail = new CallTrail();
  /** The journal holds a hand-off of this call, so its end must be written too. */
  private boolean handOffJournaled;
  /** The callee's early dialogs and the reliable provisional responses of the setup. */
  private EarlyDialogs early = new EarlyDialogs();

  public CallState(CallIds callIds) {
    this.callIds = callIds;
  }

  public Phase phase() {
    return phase;
  }

  /** What happened to the call and why, for the operator (see {@link CallTrail}). */
  public CallTrail trail() {
    return trail;
  }

  public boolean confirmed() {
    return phase == Phase.CONFIRMED;
  }

  /** The caller's INVITE went to B: the call is ringing. */
  public void calling() {
    phase = Phase.CALLING;
  }

  public String route() {
    return route;
  }

  public Leg leg(Side side) {
    return side == Side.A ? a : b;
  }

  public void setLeg(Leg leg) {
    if (leg.side() == Side.A) {
      a = leg;
    } else {
      b = leg;
    }
  }

  /** A new INVITE starts the call afresh: the A-leg only, no B-leg yet. */
  public void open(Leg aLeg) {
    a = aLeg;
    b = null;
    early = new EarlyDialogs();
  }

  /** The callee's early dialogs (forks) and the reliable provisional responses of the setup. */
  public EarlyDialogs early() {
    return early;
  }

  /**
   * A target refresh (RFC 3261 §12.2, RFC 6141: once answered 2xx) by the peer of {@code side}
   * in its dialog with {@code remoteTag}: the leg's remote target if that is the leg's dialog, the
   * early dialog's (a fork) if it is one; {@code contact} null changes nothing.
   */
  public void refreshTarget(Side side, String remoteTag, String contact) {
    Leg leg = leg(side);
    if (contact == null || leg == null || remoteTag == null) {
      return;
    }
    if (leg.remoteTag().equals(remoteTag)) {
      setLeg(leg.withRemoteTarget(contact));
    }
    if (side == Side.B) {
      early.target(remoteTag, contact);
    }
  }

  /** The B-leg the call is routed to, over {@code routeName}. */
  public void routed(Leg bLeg, String routeName) {
    b = bLeg;
    route = routeName;
  }

  /**
   * The leg a Call-ID belongs to (null: neither). Before the call exists, any Call-ID but one the
   * SBC issued for a B-leg is a caller's.
   */
  public Side sideOf(String callId) {
    if (a == null || a.callId().equals(callId)) {
      return a == null && callIds.issuedEntityId(callId).isPresent() ? null : Side.A;
    }
    return b != null && b.callId().equals(callId) ? Side.B : null;
  }

  /** The 2xx to the initial INVITE arrived: the call is confirmed and will be persisted. */
  public void confirm() {
    phase = Phase.CONFIRMED;
    persisted = true;
  }

  /**
   * The event that makes the confirmed dialog durable, with the session timers armed at setup;
   * the legs as they are now are what the journal holds and what each peer established at setup.
   */
  public CallEstablished established(SessionTimer timerA, SessionTimer timerB) {
    setupSdpA = a.remoteSdp();
    setupSdpB = b.remoteSdp();
    persistedA = a;
    persistedB = b;
    return new CallEstablished(a, b, route, timerA, timerB);
  }

  /** The legs' change since the journal last saw them, if a failover would need it. */
  public Optional<DialogUpdated> dialogUpdate() {
    if (phase != Phase.CONFIRMED || !persisted || !(a.dialogDiffers(persistedA) || b.dialogDiffers(persistedB))) {
      return Optional.empty();
    }
    persistedA = a;
    persistedB = b;
    return Optional.of(new DialogUpdated(a, b));
  }

  /** The call is over; returns whether the journal holds it (and so needs its end). */
  public boolean end() {
    phase = Phase.ENDED;
    boolean wasPersisted = persisted || handOffJournaled;
    persisted = false;
    handOffJournaled = false;
    return wasPersisted;
  }

  /**
   * The call's part of what a hand-off must carry (the transactions are added by the transaction
   * layer): null when nothing of it would be lost, i.e. an established call without open
   * transactions, or a call that is over.
   */
  public InFlight inFlight(List<InFlight.Server> servers, List<InFlight.Client> clients, List<InFlight.SentAck> acks) {
    boolean busy = !clients.isEmpty() || servers.stream().anyMatch(s -> s.finalStatus() == 0 || s.awaitingAck());
    if (a == null || !(phase == Phase.CALLING || (phase == Phase.CONFIRMED && busy))) {
      return null; // an ended call only answers retransmissions: nothing a peer waits for
    }
    return new InFlight(System.currentTimeMillis(), phase, a, b, route, persisted, servers, clients, acks,
        trail.entries(), early.snapshot());
  }

  /**
   * Rebuilds the call as a hand-off left it (instead of {@link #recover}); the legs' CSeqs jump
   * ahead as after any recovery, since a fail-over after the hand-off may find them stale.
   */
  public void resume(InFlight f, Established est) {
    a = f.a().withLocalCseqBumpedBy(CSEQ_STEP_AFTER_RECOVERY);
    b = f.b() == null ? null : f.b().withLocalCseqBumpedBy(CSEQ_STEP_AFTER_RECOVERY);
    route = f.route() == null ? RouteTable.DEFAULT_ROUTE : f.route();
    phase = f.phase();
    if (est != null) {
      setupSdpA = est.setupSdpA() == null ? "" : est.setupSdpA();
      setupSdpB = est.setupSdpB() == null ? "" : est.setupSdpB();
    }
    persisted = f.confirmedInJournal() && phase == Phase.CONFIRMED;
    persistedA = a;
    persistedB = b;
    // the journal holds this call now, even if it never got confirmed: its end must be written
    handOffJournaled = true;
    trail.restore(f.trail());
    early = EarlyDialogs.of(f.early());
  }

  /**
   * Rebuilds the live dialog from the journal (failover or restart of the entity); false when
   * there is nothing to rebuild (not established, or already live).
   */
  public boolean recover(Established est) {
    if (a != null) {
      return false;
    }
    handOffJournaled = false;
    a = est.a().withLocalCseqBumpedBy(CSEQ_STEP_AFTER_RECOVERY);
    b = est.b().withLocalCseqBumpedBy(CSEQ_STEP_AFTER_RECOVERY);
    persistedA = a;
    persistedB = b;
    route = est.route() == null ? RouteTable.DEFAULT_ROUTE : est.route();
    setupSdpA = est.setupSdpA() == null ? "" : est.setupSdpA();
    setupSdpB = est.setupSdpB() == null ? "" : est.setupSdpB();
    phase = Phase.CONFIRMED;
    persisted = true;
    return true;
  }

  /** Per m-line, the codecs negotiated at setup; parsed only when a policy needs them. */
  public List<Set<String>> setupCodecs() {
    if (setupCodecs == null) {
      setupCodecs = CodecFilter.negotiated(setupSdpA, setupSdpB);
    }
    return setupCodecs;
  }
}
