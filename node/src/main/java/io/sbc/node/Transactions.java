package io.sbc.node;

import gov.nist.javax.sip.message.SIPRequest;
import io.sbc.gateway.Flow;
import java.time.Duration;

/**
 * Soft (memory-only) RFC 3261 §17 transaction state of one call. Like CUBE HA, transactions are
 * not persisted: a call still ringing when its node dies may fail, a confirmed dialog does not.
 */
final class Transactions {
  private Transactions() {}

  static String serverKey(Leg.Side side, String branch, String method) {
    return side + "|" + branch + "|" + method;
  }

  static String clientKey(String branch, String method) {
    return branch + "|" + method;
  }

  /** A request the SBC received, with the last response it sent (resent on retransmission). */
  static final class Server {
    final String key;
    final Leg.Side side;
    final Flow flow;
    final long cseq;
    /** The request; dropped once the call has ended and only retransmissions are answered. */
    SIPRequest request;
    byte[] lastResponse;
    int finalStatus;
    Duration interval;
    /** Client transaction on the other leg this request was relayed to, if any. */
    String relayedTo;
    /** For a 2xx to an INVITE: the leg and CSeq of the INVITE whose ACK must follow. */
    Leg.Side ackLeg;
    long ackCseq;
    String ackInviteBranch;
    /** The SBC answered this re-INVITE itself (a refresh): its ACK ends here. */
    boolean localAnswer;

    Server(String key, Leg.Side side, SIPRequest request, Flow flow) {
      this.key = key;
      this.side = side;
      this.request = request;
      this.flow = flow;
      this.cseq = request.getCSeq().getSeqNumber();
    }

    boolean answered() {
      return finalStatus != 0;
    }
  }

  /** Requests the SBC originates in an established call to keep it alive or check it. */
  enum Own { REFRESH, KEEPALIVE }

  /** A request the SBC sent on a leg and is waiting for a final response to. */
  static final class Client {
    final String key;
    final String branch;
    final String method;
    final Leg.Side side;
    final SIPRequest request;
    final byte[] bytes;
    final Flow flow;
    /** The server transaction on the other leg whose request this relays; null if our own. */
    final Server peer;
    final boolean initialInvite;
    /** Why the SBC sent this request on its own (null: relayed, initial INVITE, BYE, ...). */
    Own own;
    /** Re-sends of the request after 422 (RFC 4028) or, for own refreshes, 491. */
    int retries;
    boolean provisional;
    boolean cancelPending;
    Duration interval;

    Client(String branch, SIPRequest request, byte[] bytes, Flow flow, Leg.Side side,
        Server peer, boolean initialInvite) {
      this.branch = branch;
      this.method = request.getMethod();
      this.key = clientKey(branch, method);
      this.side = side;
      this.request = request;
      this.bytes = bytes;
      this.flow = flow;
      this.peer = peer;
      this.initialInvite = initialInvite;
    }
  }
}
