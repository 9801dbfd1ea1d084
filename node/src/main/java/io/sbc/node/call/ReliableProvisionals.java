package io.sbc.node.call;

import gov.nist.javax.sip.header.SIPHeader;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.node.config.SbcSettings.TransactionTimers;
import io.sbc.node.dialog.CallState;
import io.sbc.node.dialog.EarlyDialogs;
import io.sbc.node.dialog.EarlyDialogs.Fork;
import io.sbc.node.dialog.EarlyDialogs.Reliable;
import io.sbc.node.dialog.Leg;
import io.sbc.node.dialog.Leg.Side;
import io.sbc.node.dialog.SipFields;
import io.sbc.node.metrics.CallMetrics;
import io.sbc.node.transaction.ClientTransaction;
import io.sbc.node.transaction.Effects;
import io.sbc.node.transaction.ServerTransaction;
import io.sbc.node.transaction.SipBuilder;
import io.sbc.node.transaction.TimerKey.ProvisionalRetransmit;
import io.sbc.node.transaction.TransactionLayer;
import io.sbc.node.transaction.Transactions;
import io.sbc.protocol.DecodeResult;
import io.sbc.protocol.SipCodec;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;

/**
 * The provisional responses of a call's setup, from the callee's forks to the caller, and RFC 3262
 * reliability leg by leg. Each 18x with a To-tag opens or refreshes that fork's early dialog
 * ({@link EarlyDialogs}) and the B-leg follows it. Reliable provisionals:
 * <pre>
 * caller (A)            | callee's 18x (B)             | what the SBC does
 * ----------------------+------------------------------+-------------------------------------------------
 * Supported/Require     | Require: 100rel + RSeq       | relays it reliably with the A-leg's own RSeq; A's PRACK
 *   100rel              |                              | goes to that fork with RAck mapped to B's RSeq and CSeq
 * Require: 100rel       | unreliable                   | sends it reliably itself, answers A's PRACK here
 * neither               | Require: 100rel + RSeq       | PRACKs it on B, relays it unreliably
 * </pre>
 * A retransmitted reliable 18x (same RSeq) is absorbed; one out of order is ignored (§4). The
 * SBC retransmits its reliable 18x to A from T1, doubling, until the PRACK or the final response,
 * and sends the next only once the previous is PRACKed (§3).
 */
final class ReliableProvisionals {
  static final String OPTION = "100rel";

  private final String entityId;
  private final CallState call;
  private final Transactions transactions;
  private final TransactionLayer tx;
  private final SipBuilder build;
  private final Effects effects;
  private final TransactionTimers timers;
  private final Teardown teardown;
  private final CallMetrics metrics;
  private final Logger log;
  /** The current retransmission interval of each reliable provisional to A (after a hand-off: T1 again). */
  private final Map<Long, Duration> intervals = new HashMap<>();

  ReliableProvisionals(String entityId, CallState call, Transactions transactions, TransactionLayer tx,
      SipBuilder build, Effects effects, TransactionTimers timers, Teardown teardown, CallMetrics metrics,
      Logger log) {
    this.entityId = entityId;
    this.call = call;
    this.transactions = transactions;
    this.tx = tx;
    this.build = build;
    this.effects = effects;
    this.timers = timers;
    this.teardown = teardown;
    this.metrics = metrics;
    this.log = log;
  }

  /** A provisional response (not 100) to an INVITE the SBC relayed; {@code peer} still unanswered. */
  void onProvisional(ClientTransaction ct, ServerTransaction peer, SIPResponse resp) throws Exception {
    long rseq = reliableRseq(resp);
    if (!ct.initialInvite()) {
      // a re-INVITE: 100rel is not offered in-dialog, but a peer that sends one reliably gets its PRACK
      if (rseq > 0) {
        prack(ct.side(), call.leg(ct.side()), rseq, ct.request().getCSeq().getSeqNumber(), null, null);
      }
      tx.respond(peer, resp.getStatusCode(), resp.getReasonPhrase(), resp);
      return;
    }
    EarlyDialogs early = call.early();
    String tag = resp.getToTag();
    if (tag != null) {
      Leg b = call.leg(Side.B);
      Fork fork = early.provisional(tag, SipFields.contactOf(resp, null), SipFields.routeSet(resp, true),
          b.remoteTarget());
      call.setLeg(b.withRemoteDialog(tag, fork.target(), fork.routeSet())
          .withRemoteSdp(SipFields.body(resp), SipFields.contentType(resp)));
      if (rseq > 0) {
        if (fork.lastRseq() != 0 && rseq != fork.lastRseq() + 1) {
          // §4: a retransmission (its PRACK is the PRACK transaction's business) or out of order
          metrics.absorbed.increment();
          return;
        }
        early.rseqReceived(tag, rseq);
        long cseq = ct.request().getCSeq().getSeqNumber();
        if (callerUses(peer.request(), false)) {
          sendReliable(peer, resp, tag, rseq, cseq); // A's PRACK goes on to this fork
          return;
        }
        prack(Side.B, forkLeg(tag), rseq, cseq, null, null); // the caller does not do 100rel
      }
    }
    if (callerUses(peer.request(), true)) {
      sendReliable(peer, resp, null, 0, 0); // the caller requires reliability the callee did not give
    } else {
      tx.respond(peer, resp.getStatusCode(), resp.getReasonPhrase(), resp);
    }
  }

  /** The caller's INVITE requires 100rel ({@code requireOnly}) or at least supports it. */
  private static boolean callerUses(SIPRequest invite, boolean requireOnly) {
    return SipFields.optionTags(invite, "Require").contains(OPTION)
        || (!requireOnly && SipFields.optionTags(invite, "Supported").contains(OPTION));
  }

  /** The RSeq of a reliable provisional response (Require: 100rel and a valid RSeq), else 0. */
  private static long reliableRseq(SIPResponse resp) {
    if (!SipFields.optionTags(resp, "Require").contains(OPTION) || !(resp.getHeader("RSeq") instanceof SIPHeader h)) {
      return 0;
    }
    try {
      long rseq = Long.parseLong(h.getHeaderValue().trim());
      return rseq > 0 && rseq < (1L << 32) ? rseq : 0;
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  /** Sends {@code resp} to the caller reliably, or queues it behind the one awaiting its PRACK. */
  private void sendReliable(ServerTransaction invite, SIPResponse resp, String forkTag, long forkRseq, long forkCseq)
      throws Exception {
    EarlyDialogs early = call.early();
    if (early.awaitingPrack()) {
      early.queue(new EarlyDialogs.Queued(SipCodec.encode(resp), forkTag, forkRseq, forkCseq));
      return;
    }
    long rseq = early.nextRseq();
    tx.respond(invite, resp.getStatusCode(), resp.getReasonPhrase(), resp, r -> {
      build.setHeader(r, "Require", OPTION);
      build.setHeader(r, "RSeq", Long.toString(rseq));
    });
    early.sent(new Reliable(rseq, invite.cseq(), forkTag, forkRseq, forkCseq, invite.lastResponse()));
    intervals.put(rseq, timers.t1());
    effects.startTimer(new ProvisionalRetransmit(rseq), timers.t1());
  }

  /** Timer of a reliable provisional to A: again, until its PRACK or A's final response (§3). */
  void retransmit(long rseq) throws Exception {
    Reliable r = call.early().unacked(rseq);
    ServerTransaction invite = transactions.unansweredInitialInvite(Side.A);
    Duration waited = intervals.remove(rseq);
    if (r == null || invite == null) {
      return;
    }
    waited = waited == null ? timers.t1() : waited;
    if (waited.multipliedBy(2).compareTo(timers.timeout()) >= 0) {
      // §3: no PRACK for 64*T1: the INVITE is rejected with a 5xx (and the callee cancelled)
      log.info("call {}: no PRACK from the caller for RSeq {}; giving up the call", entityId, rseq);
      call.trail().add("no PRACK for a reliable provisional response (RFC 3262 §3): 500 to the caller");
      teardown.cancelSetup(invite, 500, "Server Internal Error (no PRACK)");
      return;
    }
    metrics.retransmissions.increment();
    effects.send(invite.flow(), r.response(), null);
    Duration next = waited.multipliedBy(2);
    intervals.put(rseq, next);
    effects.startTimer(new ProvisionalRetransmit(rseq), next);
  }

  /**
   * A PRACK from the caller (RFC 3262 §3, §7.2), in its dialog: matched by its RAck to a reliable
   * provisional response sent on A (481 when none), relayed to the fork whose 18x that was with
   * the RAck mapped (body included: it may carry an answer or offer), or answered here.
   */
  void onPrack(ServerTransaction st, SIPRequest prack) throws Exception {
    EarlyDialogs early = call.early();
    long[] rack = rack(prack);
    Reliable r = rack == null ? null : early.unacked(rack[0]);
    if (r == null || r.cseq() != rack[1]) {
      tx.respond(st, 481, "Call/Transaction Does Not Exist", null);
      return;
    }
    early.acked(r.rseq());
    intervals.remove(r.rseq());
    effects.cancelTimer(new ProvisionalRetransmit(r.rseq()));
    Leg dialog = r.forkTag() == null ? null : forkLeg(r.forkTag());
    if (dialog != null) {
      st.relayedTo(prack(Side.B, dialog, r.forkRseq(), r.forkCseq(), prack, st).key());
    } else {
      tx.respond(st, 200, "OK", null);
    }
    EarlyDialogs.Queued next = early.nextQueued();
    ServerTransaction invite = transactions.unansweredInitialInvite(Side.A);
    if (next != null && invite != null
        && SipCodec.decode(next.response()) instanceof DecodeResult.Decoded d && d.message() instanceof SIPResponse q) {
      sendReliable(invite, q, next.forkTag(), next.forkRseq(), next.forkCseq());
    }
  }

  /** RAck: response-num CSeq-num Method (RFC 3262 §7.2) of an INVITE; null when malformed. */
  private static long[] rack(SIPRequest prack) {
    if (!(prack.getHeader("RAck") instanceof SIPHeader h)) {
      return null;
    }
    String[] parts = h.getHeaderValue().trim().split("\\s+");
    try {
      return parts.length == 3 && parts[2].equals("INVITE")
          ? new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])} : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /**
   * The B-leg as the early dialog of fork {@code tag} (the leg itself once that fork's 2xx made
   * it the call's dialog); null when that dialog is gone (the fork lost, or hung up).
   */
  private Leg forkLeg(String tag) {
    Leg b = call.leg(Side.B);
    if (b.remoteTag().equals(tag)) {
      return b;
    }
    Fork f = call.early().fork(tag);
    return f == null || call.confirmed() ? null : b.withRemoteDialog(f.tag(), f.target(), f.routeSet());
  }

  /** A PRACK on {@code dialog} (a leg, or a fork of B) for its reliable 1xx {@code rseq} to INVITE {@code cseq}. */
  private ClientTransaction prack(Side side, Leg dialog, long rseq, long cseq, SIPRequest source, ServerTransaction peer)
      throws Exception {
    Leg leg = tx.sendable(side).withNextLocalCseq(); // one CSeq space for every fork: increasing in each
    call.setLeg(leg);
    Leg on = leg.withRemoteDialog(dialog.remoteTag(), dialog.remoteTarget(), dialog.routeSet());
    String branch = SipBuilder.newBranch();
    SIPRequest req = build.inDialog(on, "PRACK", on.localCseq(), branch, source);
    build.setHeader(req, "RAck", rseq + " " + cseq + " INVITE");
    return tx.sendRequest(on, req, branch, peer, false);
  }
}
