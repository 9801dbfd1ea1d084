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

  /** Tells the sender of a {@link Send} that it could not be delivered. */
  record SendFailed(String tag, Flow flow, String reason) implements CborSerializable {}
}
