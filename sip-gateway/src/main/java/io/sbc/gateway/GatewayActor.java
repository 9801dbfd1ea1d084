package io.sbc.gateway;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The address entities on any node use to send on this node's sockets. Netty writes are
 * thread-safe, so the actor only hands the bytes over and reports failures back.
 */
public final class GatewayActor {
  private GatewayActor() {}

  public static Behavior<GatewayCommand> create(SipGateway gateway) {
    return Behaviors.setup(ctx -> Behaviors.receive(GatewayCommand.class)
        .onMessage(
            GatewayCommand.Describe.class,
            describe -> {
              GatewayAddress address = gateway.settings().address();
              describe.replyTo().tell(
                  new GatewayCommand.Description(ctx.getSelf(), address.hostPort(), address.tlsHostPort()));
              return Behaviors.same();
            })
        .onMessage(
            GatewayCommand.Send.class,
            send -> {
              gateway.send(
                  send.flow(),
                  send.bytes(),
                  send.failureTo() == null
                      ? null
                      : reason ->
                          send.failureTo()
                              .tell(
                                  new GatewayCommand.SendFailed(send.tag(), send.flow(), reason)));
              return Behaviors.same();
            })
        .build());
  }
}
