package io.sbc.gateway;

import org.apache.pekko.actor.typed.ActorRef;

/** What a gateway actor accepts from call entities, possibly on other nodes. */
public sealed interface GatewayCommand extends CborSerializable {

  /**
   * Send wire bytes on a flow. When sending fails (connection refused, channel closed) and
   * {@code failureTo} is set, it is told with {@code tag}, so the entity can answer 503.
   */
  record Send(Flow flow, byte[] bytes, String tag, ActorRef<SendFailed> failureTo)
      implements GatewayCommand {}

  /** Asks a gateway for its advertised address (nodes without a gateway of their own send via it). */
  record Describe(ActorRef<Description> replyTo) implements GatewayCommand {}

  /**
   * A gateway and the {@code host:port} it writes into Via and Contact, and its TLS {@code
   * host:port} (empty without TLS; absent from gateways of older versions).
   */
  record Description(ActorRef<GatewayCommand> gateway, String hostPort, String tlsHostPort)
      implements CborSerializable {
    public Description {
      tlsHostPort = tlsHostPort == null ? "" : tlsHostPort;
    }

    public GatewayAddress address() {
      return new GatewayAddress(hostPort, tlsHostPort);
    }
  }

  /** Tells the sender of a {@link Send} that it could not be delivered. */
  record SendFailed(String tag, Flow flow, String reason) implements CborSerializable {}
}
