package io.sbc.node.midcall;

import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.node.dialog.CallState;
import io.sbc.node.dialog.Leg;
import io.sbc.node.dialog.Leg.Side;
import io.sbc.node.dialog.SipFields;
import io.sbc.node.metrics.CallMetrics;
import io.sbc.node.policy.MidcallPolicy;
import io.sbc.node.policy.MidcallPolicyResolver;
import io.sbc.node.sessiontimer.SessionTimers;
import io.sbc.node.transaction.Customizer;
import io.sbc.node.transaction.ServerTransaction;
import io.sbc.node.transaction.SipBuilder;
import io.sbc.node.transaction.TransactionLayer;
import io.sbc.node.transaction.Transactions;
import io.sbc.protocol.sdp.MediaChange;
import io.sbc.protocol.sdp.MediaSummary;
import java.text.ParseException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;

/**
 * A re-INVITE or UPDATE in an established call: glare (RFC 3261 §14), the session interval (422),
 * then the midcall-signaling policy in force ({@link MidcallRules}). What is answered here (491,
 * 500, 422, 488, a local 200 with the SBC's current SDP) is answered on the sender's leg; what is
 * to be relayed goes back to the B2BUA as a {@link MidcallRules.Relay}.
 */
public final class ReOffers {
  private final String entityId;
  private final CallState call;
  private final Transactions transactions;
  private final TransactionLayer tx;
  private final SipBuilder build;
  private final SessionTimers sessionTimers;
  private final MidcallPolicyResolver policies;
  private final CallMetrics metrics;
  private final Logger log;

  public ReOffers(String entityId, CallState call, Transactions transactions, TransactionLayer tx,
      SipBuilder build, SessionTimers sessionTimers, MidcallPolicyResolver policies, CallMetrics metrics, Logger log) {
    this.entityId = entityId;
    this.call = call;
    this.transactions = transactions;
    this.tx = tx;
    this.build = build;
    this.sessionTimers = sessionTimers;
    this.policies = policies;
    this.metrics = metrics;
    this.log = log;
  }

  /**
   * A re-INVITE or UPDATE from {@code side} in the confirmed dialog (CSeq already checked):
   * answers it, or returns how to relay it.
   */
  public Optional<MidcallRules.Relay> onOffer(SIPRequest req, ServerTransaction st, Side side) throws Exception {
    String method = req.getMethod();
    String offer = SipFields.body(req);
    boolean offers = method.equals("INVITE") || !offer.isEmpty();
    if (method.equals("INVITE") && transactions.offerReceivedPending(side, st, true)) {
      // §14.2: a second INVITE before the final response to the first.
      tx.respond(st, 500, "Server Internal Error", null,
          r -> build.setHeader(r, "Retry-After", Integer.toString(ThreadLocalRandom.current().nextInt(1, 11))));
      return Optional.empty();
    }
    if (offers && (transactions.offerSentPending(side) || transactions.offerReceivedPending(side, st, false))) {
      rejectGlare(st, side);
      return Optional.empty();
    }
    if (sessionTimers.rejectTooSmallInterval(st, req)) {
      return Optional.empty();
    }
    MidcallPolicy policy = policies.policyFor(call.route());
    Leg to = call.leg(side.other());
    MidcallRules.Decision d = MidcallRules.decide(policy, offer, call.leg(side).remoteSdp(), to.localSdp(),
        policy == MidcallPolicy.PRESERVE_CODEC ? call.setupCodecs() : List.of());
    metrics.midcall(policy, d.action().label());
    log.debug("call {}: {} from leg {} under midcall-signaling {}: {} ({})",
        entityId, method, side, policy.keyword(), d.action().label(), d.reason());
    call.trail().add(method + " from leg " + side + ": " + d.action().label() + " under " + policy.keyword()
        + " (" + d.reason() + ")");
    if (d.action() instanceof MidcallRules.Relay relay) {
      if (offers && (transactions.offerSentPending(side.other())
          || transactions.offerReceivedPending(side.other(), null, false))) {
        rejectGlare(st, side); // the other leg has an offer of its own in progress
        return Optional.empty();
      }
      return Optional.of(relay);
    }
    if (d.action() instanceof MidcallRules.Reject reject) {
      tx.respond(st, 488, "Not Acceptable Here", null, r -> build.warning(r, reject.warnCode(), reject.warnText()));
    } else {
      answerLocally(st, req, side, !offer.isEmpty());
    }
    return Optional.empty();
  }

  private void rejectGlare(ServerTransaction st, Side side) throws Exception {
    metrics.glare.increment();
    log.debug("call {}: glare on leg {}: 491", entityId, side);
    call.trail().add("offer from leg " + side + " met glare: 491");
    tx.respond(st, 491, "Request Pending", null);
  }

  /**
   * A refresh answered on this leg alone: 200 with the SBC's current session description (the
   * offer, when the re-INVITE had none; its answer must come in the ACK).
   */
  private void answerLocally(ServerTransaction st, SIPRequest req, Side side, boolean hasOffer) throws Exception {
    String current = call.leg(side).localSdp();
    boolean invite = req.getMethod().equals("INVITE");
    if ((invite || hasOffer) && current.isEmpty()) {
      tx.respond(st, 488, "Not Acceptable Here", null,
          r -> build.warning(r, 399, "No current session description to answer with"));
      return;
    }
    Customizer<SIPResponse> body = Customizer.both(sessionTimers.refreshAnswer(st, 200), r -> {
      if (invite || hasOffer) {
        build.setSdp(r, current);
      }
    });
    if (invite) {
      st.markAnsweredLocally();
      tx.awaitAck(st, 200, "OK", null, body);
    } else {
      tx.respond(st, 200, "OK", null, body);
    }
  }

  /** The ACK of a locally answered re-INVITE: for an offer-less one, it carries the answer. */
  public void onLocalAnswerAck(ServerTransaction st, SIPRequest ack, Side side) {
    if (st.request() == null || !SipFields.body(st.request()).isEmpty()) {
      return;
    }
    String answer = SipFields.body(ack);
    Leg leg = call.leg(side);
    if (answer.isEmpty()) {
      log.warn("call {}: the ACK on leg {} carries no answer to the SBC's offer (RFC 3264 §4)", entityId, side);
      return;
    }
    try {
      MediaChange change = leg.remoteSdp().isEmpty()
          ? null : MediaChange.between(MediaSummary.parse(leg.remoteSdp()), MediaSummary.parse(answer));
      if (change != null && !change.isRefresh()) {
        log.warn("call {}: the answer in the ACK on leg {} changes the media {}; not propagated to the other leg",
            entityId, side, change.kinds());
      }
    } catch (ParseException e) {
      log.warn("call {}: unusable answer in the ACK on leg {}: {}", entityId, side, e.getMessage());
      return;
    }
    call.setLeg(leg.withRemoteSdp(answer, SipFields.contentType(ack)));
  }
}
