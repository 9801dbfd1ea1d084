package io.sbc.node.dialog;

import io.sbc.gateway.CborSerializable;
import io.sbc.gateway.Flow;
import io.sbc.node.dialog.Leg.Side;
import java.util.List;

/**
 * What a call had in flight when its entity was handed to another node (a shard moving in a
 * rolling restart or a rebalance): the legs as they were, the open transactions on both legs and
 * the call's trail. The journal keeps only confirmed dialogs; without this, a call ringing or a
 * re-INVITE waiting for its answer at the moment of the move would be lost, since sharding
 * buffers the call's messages while the entity stops. Written once, at the stop of a hand-off,
 * only when something is in flight; the next incarnation rebuilds from it and forgets it.
 * Messages are kept in their wire form. {@code early}: the callee's early dialogs and the
 * reliable provisional responses in flight ({@link EarlyDialogs}; null in what older nodes wrote).
 */
public record InFlight(
    long savedAtMillis,
    Phase phase,
    Leg a,
    Leg b,
    String route,
    boolean confirmedInJournal,
    List<Server> servers,
    List<Client> clients,
    List<SentAck> acks,
    List<CallTrail.Entry> trail,
    EarlyDialogs.Snapshot early)
    implements CborSerializable {

  public InFlight {
    servers = List.copyOf(servers);
    clients = List.copyOf(clients);
    acks = List.copyOf(acks);
    trail = List.copyOf(trail);
  }

  /**
   * A request the SBC received and the state of its answer. {@code request} is null once
   * released (an ended call keeps only the last response); {@code relayedBranch}/{@code
   * relayedMethod} name the client transaction it was relayed to (null: none); {@code ackLeg} is
   * null unless a 2xx sent here waits for the ACK to relay to that leg.
   */
  public record Server(
      Side side,
      String branch,
      String method,
      Flow flow,
      byte[] request,
      byte[] lastResponse,
      int finalStatus,
      String relayedBranch,
      String relayedMethod,
      boolean answeredLocally,
      boolean awaitingAck,
      Side ackLeg,
      long ackCseq,
      String ackInviteBranch)
      implements CborSerializable {}

  /**
   * A request the SBC sent and has no final response to. {@code peerBranch}/{@code peerMethod}
   * name the server transaction on the other leg it relays (null: the SBC's own request);
   * {@code purpose} is the name of its {@code ClientTransaction.Purpose} (null: none).
   */
  public record Client(
      String branch,
      String method,
      Side side,
      Flow flow,
      byte[] request,
      Side peerSide,
      String peerBranch,
      String peerMethod,
      boolean initialInvite,
      String purpose,
      int retries,
      boolean provisional,
      boolean cancelPending)
      implements CborSerializable {}

  /**
   * An ACK the SBC sent for a 2xx, resent if that 2xx comes again; {@code inviteBranch} is the
   * INVITE's branch, followed by {@code ;tag=<To-tag>} for the 2xx of a losing fork.
   */
  public record SentAck(String inviteBranch, byte[] ack) implements CborSerializable {}
}
