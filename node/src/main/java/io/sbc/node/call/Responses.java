package io.sbc.node.call;

import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.node.auth.TrunkAuthenticator;
import io.sbc.node.dialog.CallState;
import io.sbc.node.dialog.Leg;
import io.sbc.node.dialog.Leg.Side;
import io.sbc.node.dialog.SessionTimer;
import io.sbc.node.dialog.SipFields;
import io.sbc.node.interop.RelayedStatus;
import io.sbc.node.metrics.CallMetrics;
import io.sbc.node.sessiontimer.KeepAlive;
import io.sbc.node.sessiontimer.SessionTimers;
import io.sbc.node.transaction.ClientTransaction;
import io.sbc.node.transaction.Customizer;
import io.sbc.node.transaction.Effects;
import io.sbc.node.transaction.ServerTransaction;
import io.sbc.node.transaction.TransactionLayer;
import io.sbc.node.transaction.Transactions;
import java.util.Map;

/**
 * What comes back on the SBC's client transactions: provisional and final responses relayed to
 * the transaction they answer, the 2xx that confirms the call (persisted before the caller sees
 * it), the SBC's own requests answered, and transactions that end without a response.
 */
final class Responses {
  private final CallState call;
  private final Transactions transactions;
  private final TransactionLayer tx;
  private final SessionTimers sessionTimers;
  private final KeepAlive keepAlive;
  private final Teardown teardown;
  private final ReliableProvisionals provisionals;
  private final Effects effects;
  private final CallMetrics metrics;

  private final RelayedStatus relayedStatus;
  private final TrunkAuthenticator trunkAuth;

  Responses(CallState call, Transactions transactions, TransactionLayer tx, SessionTimers sessionTimers,
      KeepAlive keepAlive, Teardown teardown, ReliableProvisionals provisionals, Effects effects, CallMetrics metrics, RelayedStatus relayedStatus,
      TrunkAuthenticator trunkAuth) {
    this.relayedStatus = relayedStatus;
    this.trunkAuth = trunkAuth;
    this.call = call;
    this.transactions = transactions;
    this.tx = tx;
    this.sessionTimers = sessionTimers;
    this.keepAlive = keepAlive;
    this.teardown = teardown;
    this.provisionals = provisionals;
    this.effects = effects;
    this.metrics = metrics;
  }

  void onResponse(SIPResponse resp) throws Exception {
    String branch = resp.getTopmostVia().getBranch();
    String method = resp.getCSeq().getMethod();
    int status = resp.getStatusCode();
    ClientTransaction ct = transactions.client(new ClientTransaction.Key(branch, method));
    if (ct == null) {
      if (status >= 200 && status < 300 && method.equals("INVITE")) {
        tx.ackUnknown2xx(resp, branch);
      } else if (status >= 300 && method.equals("INVITE")) {
        Side side = call.sideOf(resp.getCallId().getCallId());
        tx.ackUnknownNon2xx(resp, side == null ? null : call.leg(side));
      }
      return;
    }
    if (status < 200) {
      onProvisional(ct, resp);
      return;
    }
    tx.completed(ct);
    if (method.equals("CANCEL")) {
      return;
    }
    if (method.equals("INVITE") && status < 300) {
      onInvite2xx(ct, resp);
      return;
    }
    if (method.equals("INVITE")) {
      tx.ackNon2xx(ct, resp);
    }
    if (status == 422 && sessionTimers.retryAfter422(ct, resp)) {
      return; // the far end wants a longer session interval: asked again, nothing to relay
    }
    if (trunkAuth.answered(ct, resp)) {
      return; // the next hop's challenge, answered with the route's credentials
    }
    if (status < 300 && method.equals("UPDATE")) {
      call.refreshTarget(ct.side(), resp.getToTag(), SipFields.contactOf(resp, null)); // RFC 3261 §12.2.1.2
      sessionTimers.onClient2xx(ct, resp);
    } else if (status >= 300 && ct.purpose() == ClientTransaction.Purpose.REFRESH) {
      teardown.hangUpIf(sessionTimers.refreshRejected(ct, resp));
    } else if (status >= 300 && ct.purpose() == ClientTransaction.Purpose.KEEPALIVE) {
      teardown.hangUpIf(keepAlive.rejected(ct, status, resp.getReasonPhrase()));
    }
    int relayed = relayFinal(ct, resp);
    if (ct.initialInvite()) {
      teardown.endCall("rejected " + status + (relayed == status ? "" : ", relayed as " + relayed), relayed);
    } else if (method.equals("BYE") && ct.purpose() != ClientTransaction.Purpose.LOSING_FORK) {
      teardown.endCall("bye", 0);
    }
  }

  private void onProvisional(ClientTransaction ct, SIPResponse resp) throws Exception {
    tx.provisionalReceived(ct);
    if (ct.cancelPending()) {
      tx.sendCancel(ct);
      return;
    }
    int status = resp.getStatusCode();
    ServerTransaction peer = ct.peer();
    if (status == 100 || peer == null || peer.answered() || !ct.method().equals("INVITE")) {
      return;
    }
    provisionals.onProvisional(ct, peer, resp); // the forks' early dialogs, RFC 3262 leg by leg
  }

  private void onInvite2xx(ClientTransaction ct, SIPResponse resp) throws Exception {
    Leg leg = call.leg(ct.side());
    if (ct.initialInvite()) { // the first 2xx: its fork is the call's (later forks: see Late2xx)
      leg = call.early().answered(ct.branch(),
          leg.withRemoteDialog(resp.getToTag(), SipFields.contactOf(resp, leg.remoteTarget()), SipFields.routeSet(resp, true)));
    } else {
      leg = leg.withRemoteTarget(SipFields.contactOf(resp, leg.remoteTarget()));
    }
    call.setLeg(leg.withLocalSdp(SipFields.body(ct.request())).withRemoteSdp(SipFields.body(resp), SipFields.contentType(resp)));
    leg = tx.sendable(ct.side());
    ServerTransaction st = ct.peer();
    if (st == null || st.answered()) {
      // Our own refresh, or nobody waits for this answer (the caller cancelled): confirm it,
      // and hang up a leg the caller no longer wants.
      tx.ack2xx(leg, ct.request().getCSeq().getSeqNumber(), ct.branch(), null);
      if (ct.initialInvite()) {
        tx.sendBye(leg);
      } else if (st == null && call.confirmed()) {
        sessionTimers.onClient2xx(ct, resp);
      }
      return;
    }
    st.expectAck(ct.side(), ct.request().getCSeq().getSeqNumber(), ct.branch());
    if (ct.initialInvite()) {
      call.confirm();
      Customizer<SIPResponse> timerHeaders = sessionTimers.established(st.request(), ct, resp);
      tx.awaitAck(st, resp.getStatusCode(), resp.getReasonPhrase(), resp, timerHeaders);
      Map<Side, SessionTimer> armed = sessionTimers.armEstablished();
      keepAlive.start(sessionTimers.running());
      effects.persist(call.established(armed.get(Side.A), armed.get(Side.B)));
      metrics.established.increment();
      call.trail().add("established (" + resp.getStatusCode() + " from leg B, relayed once persisted)");
      return;
    }
    sessionTimers.onClient2xx(ct, resp);
    tx.awaitAck(st, resp.getStatusCode(), resp.getReasonPhrase(), resp, sessionTimers.refreshAnswer(st, resp.getStatusCode()));
  }

  /** Relays a final response to the transaction it answers; the status relayed (see {@link RelayedStatus}). */
  private int relayFinal(ClientTransaction ct, SIPResponse resp) throws Exception {
    ServerTransaction peer = ct.peer();
    RelayedStatus.Status status = relayedStatus.of(ct, resp);
    if (peer != null && !peer.answered()) {
      tx.respond(peer, status.code(), status.reason(), resp,
          Customizer.both(status.edit(), sessionTimers.refreshAnswer(peer, status.code())));
    }
    return status.code();
  }

  /** A client transaction ended without a response: answer its peer as §16.7 / §17 say. */
  void failClient(ClientTransaction ct, int status, String reason) throws Exception {
    if (ct.method().equals("CANCEL") || ct.method().equals("ACK")) {
      return;
    }
    if (ct.peer() != null && !ct.peer().answered()) {
      tx.respond(ct.peer(), status, reason, null);
    }
    String what = "no answer (" + status + ")";
    if (ct.purpose() == ClientTransaction.Purpose.REFRESH) {
      teardown.hangUpIf(sessionTimers.refreshFailed(ct, what));
    } else if (ct.purpose() == ClientTransaction.Purpose.KEEPALIVE) {
      teardown.hangUpIf(keepAlive.failed(ct, what));
    }
    if (ct.initialInvite()) {
      if (ct.provisional()) {
        ct.cancelReasons(java.util.List.of("SIP;cause=" + status + ";text=\"" + reason + "\"")); // RFC 3326
        tx.sendCancel(ct);
      }
      teardown.endCall("no answer from next hop (" + status + ")", status);
    } else if (ct.method().equals("BYE") && ct.purpose() != ClientTransaction.Purpose.LOSING_FORK) {
      teardown.endCall("bye unanswered", 0);
    }
  }

}
