package io.sbc.node.transaction;

import gov.nist.javax.sip.message.SIPRequest;
import io.sbc.gateway.Flow;
import io.sbc.node.dialog.Leg.Side;
import java.util.HashMap;
import java.util.Map;

/**
 * The open transactions of one call (soft state, memory only): server transactions by leg, branch
 * and method; client transactions by branch and method; the ACKs sent for 2xx responses; the 2xx
 * responses waiting for their ACK. Also answers the glare questions of RFC 3261 §14 (is an offer
 * in progress on a leg?).
 */
public final class Transactions {
  /** A 2xx to an INVITE waits for the ACK with this leg and CSeq number. */
  private record AckKey(Side side, long cseq) {}

  private final Map<ServerTransaction.Key, ServerTransaction> servers = new HashMap<>();
  private final Map<ClientTransaction.Key, ClientTransaction> clients = new HashMap<>();
  /** ACKs sent for 2xx responses, by INVITE branch: resent when the 2xx is retransmitted. */
  private final Map<String, byte[]> acksSent = new HashMap<>();
  private final Map<AckKey, ServerTransaction> awaitingAck = new HashMap<>();

  public ServerTransaction server(Side side, String branch, String method) {
    return servers.get(new ServerTransaction.Key(side, branch, method));
  }

  ServerTransaction server(ServerTransaction.Key key) {
    return servers.get(key);
  }

  ServerTransaction removeServer(ServerTransaction.Key key) {
    return servers.remove(key);
  }

  /** A request received on {@code side}, kept as a new server transaction. */
  public ServerTransaction newServer(Side side, SIPRequest req, Flow flow) {
    ServerTransaction.Key key = new ServerTransaction.Key(side, req.getTopmostVia().getBranch(), req.getMethod());
    ServerTransaction st = new ServerTransaction(key, req, flow);
    servers.put(key, st);
    return st;
  }

  public ClientTransaction client(ClientTransaction.Key key) {
    return key == null ? null : clients.get(key);
  }

  public ClientTransaction removeClient(ClientTransaction.Key key) {
    return key == null ? null : clients.remove(key);
  }

  void add(ClientTransaction ct) {
    clients.put(ct.key(), ct);
  }

  byte[] ackSent(String inviteBranch) {
    return acksSent.get(inviteBranch);
  }

  void ackSent(String inviteBranch, byte[] ack) {
    acksSent.put(inviteBranch, ack);
  }

  void forgetAck(String inviteBranch) {
    acksSent.remove(inviteBranch);
  }

  /** Some request the SBC sent awaits its final response. */
  public boolean clientsOpen() {
    return !clients.isEmpty();
  }

  Iterable<ServerTransaction> servers() {
    return servers.values();
  }

  Iterable<ClientTransaction> clients() {
    return clients.values();
  }

  Map<String, byte[]> acksSent() {
    return acksSent;
  }

  boolean awaitsAck(ServerTransaction st) {
    return awaitingAck.get(new AckKey(st.side(), st.cseq())) == st;
  }

  void awaitAck(ServerTransaction st) {
    awaitingAck.put(new AckKey(st.side(), st.cseq()), st);
  }

  /** The server transaction whose 2xx this ACK acknowledges, no longer waiting (null: none). */
  public ServerTransaction acked(Side side, long cseq) {
    return awaitingAck.remove(new AckKey(side, cseq));
  }

  /**
   * The server transaction whose 2xx relays the 2xx to the INVITE sent on {@code leg} with
   * {@code inviteBranch} and still awaits the ACK to relay there (null: none).
   */
  ServerTransaction awaitingAckToRelay(Side leg, String inviteBranch) {
    for (ServerTransaction st : awaitingAck.values()) {
      if (st.ackLeg() == leg && inviteBranch.equals(st.ackInviteBranch())) {
        return st;
      }
    }
    return null;
  }

  /** The peer's initial INVITE on {@code side} while it has no final response (null: none). */
  public ServerTransaction unansweredInitialInvite(Side side) {
    for (ServerTransaction st : servers.values()) {
      SIPRequest req = st.request();
      if (st.side() == side && !st.answered() && req != null && req.getToTag() == null
          && st.key().method().equals("INVITE")) {
        return st;
      }
    }
    return null;
  }

  /** An offer the SBC sent on this leg awaits its answer (a bodiless UPDATE offers nothing). */
  public boolean offerSentPending(Side side) {
    for (ClientTransaction ct : clients.values()) {
      if (ct.side() == side && !ct.initialInvite() && offers(ct.request())) {
        return true;
      }
    }
    return false;
  }

  /** A request the SBC sent on its own for {@code purpose} on this leg awaits its final response. */
  public boolean ownPending(Side side, ClientTransaction.Purpose purpose) {
    for (ClientTransaction ct : clients.values()) {
      if (ct.side() == side && ct.purpose() == purpose) {
        return true;
      }
    }
    return false;
  }

  /**
   * An in-dialog offer from this leg's peer, other than {@code except}, awaits the SBC's final
   * answer ({@code invitesOnly}: re-INVITEs only).
   */
  public boolean offerReceivedPending(Side side, ServerTransaction except, boolean invitesOnly) {
    for (ServerTransaction st : servers.values()) {
      SIPRequest req = st.request();
      if (st != except && st.side() == side && !st.answered() && req != null
          && req.getToTag() != null && offers(req)
          && (!invitesOnly || req.getMethod().equals("INVITE"))) {
        return true;
      }
    }
    return false;
  }

  /** Whether a request carries an offer: every INVITE (its offer may come in the 2xx), an UPDATE with a body. */
  private static boolean offers(SIPRequest req) {
    String method = req.getMethod();
    return method.equals("INVITE")
        || (method.equals("UPDATE") && req.getRawContent() != null && req.getRawContent().length > 0);
  }

  /**
   * A finished call lingers (timer J) only to answer retransmissions, for which the encoded last
   * response suffices: dropping the parsed requests keeps thousands of lingering calls cheap.
   */
  public void releaseParsedRequests() {
    for (ServerTransaction st : servers.values()) {
      if (st.answered()) {
        st.releaseRequest();
      }
    }
    awaitingAck.clear();
  }

  void clear() {
    servers.clear();
    clients.clear();
    acksSent.clear();
    awaitingAck.clear();
  }
}
