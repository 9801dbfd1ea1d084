package io.sbc.node.transaction;

import gov.nist.javax.sip.message.SIPRequest;
import io.sbc.gateway.Flow;
import io.sbc.node.dialog.Leg.Side;
import java.time.Duration;

/**
 * A request the SBC received (RFC 3261 §17.2), with the last response it sent, resent when the
 * request is retransmitted. Soft state: like CUBE HA, transactions are not persisted.
 */
public final class ServerTransaction {
  /** Identifies a server transaction of a call: the leg, the top Via branch and the method. */
  public record Key(Side side, String branch, String method) {}

  private final Key key;
  private final Flow flow;
  private final long cseq;
  /** Dropped once the call has ended and only retransmissions are answered. */
  private SIPRequest request;
  private byte[] lastResponse;
  private int finalStatus;
  private Duration interval;
  private ClientTransaction.Key relayedTo;
  private boolean answeredLocally;
  /** For a 2xx to an INVITE: the leg, CSeq and branch of the INVITE whose ACK must follow. */
  private Side ackLeg;
  private long ackCseq;
  private String ackInviteBranch;

  ServerTransaction(Key key, SIPRequest request, Flow flow) {
    this.key = key;
    this.request = request;
    this.flow = flow;
    this.cseq = request.getCSeq().getSeqNumber();
  }

  public Key key() {
    return key;
  }

  public Side side() {
    return key.side();
  }

  public Flow flow() {
    return flow;
  }

  public long cseq() {
    return cseq;
  }

  /** The request; null after {@link #releaseRequest()}. */
  public SIPRequest request() {
    return request;
  }

  void releaseRequest() {
    request = null;
  }

  /** The last response sent (wire form), resent to a retransmitted request; null before any. */
  public byte[] lastResponse() {
    return lastResponse;
  }

  void sent(byte[] response, int status) {
    lastResponse = response;
    if (status >= 200) {
      finalStatus = status;
    }
  }

  public int finalStatus() {
    return finalStatus;
  }

  public boolean answered() {
    return finalStatus != 0;
  }

  Duration interval() {
    return interval;
  }

  void interval(Duration next) {
    interval = next;
  }

  /** The client transaction on the other leg this request was relayed to, if any (null: none). */
  public ClientTransaction.Key relayedTo() {
    return relayedTo;
  }

  public void relayedTo(ClientTransaction.Key client) {
    relayedTo = client;
  }

  /** The SBC answered this re-INVITE itself (a refresh): its ACK ends here. */
  public boolean answeredLocally() {
    return answeredLocally;
  }

  public void markAnsweredLocally() {
    answeredLocally = true;
  }

  /**
   * The 2xx sent on this transaction relays the answer to the INVITE the SBC sent on {@code leg}
   * with {@code cseq} and {@code inviteBranch}: the ACK that comes here is relayed there.
   */
  public void expectAck(Side leg, long cseq, String inviteBranch) {
    ackLeg = leg;
    ackCseq = cseq;
    ackInviteBranch = inviteBranch;
  }

  public Side ackLeg() {
    return ackLeg;
  }

  public long ackCseq() {
    return ackCseq;
  }

  public String ackInviteBranch() {
    return ackInviteBranch;
  }
}
