package io.sbc.gateway;

import io.sbc.protocol.Transport;
import java.net.InetSocketAddress;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * Where a message came from or goes to: transport, remote address, the connection (stream
 * transports only) and the gateway actor that owns the socket. A response is sent on the flow its
 * request came in on; a request to a leg is sent on that leg's flow.
 *
 * @param connectionId Netty channel id of the TCP/TLS connection, empty for UDP or when unknown
 * @param localAddress the advertised {@code host:port} of the gateway that owns the flow: what the
 *     SBC writes into Via and Contact for messages on it (empty: the sending node's own)
 */
public record Flow(
    Transport transport,
    String remoteHost,
    int remotePort,
    String connectionId,
    ActorRef<GatewayCommand> gateway,
    String localAddress)
    implements CborSerializable {

  public Flow {
    connectionId = connectionId == null ? "" : connectionId;
    localAddress = localAddress == null ? "" : localAddress;
  }

  public Flow(Transport transport, String remoteHost, int remotePort, String connectionId,
      ActorRef<GatewayCommand> gateway) {
    this(transport, remoteHost, remotePort, connectionId, gateway, "");
  }

  public InetSocketAddress remote() {
    return new InetSocketAddress(remoteHost, remotePort);
  }

  /** The same destination without a pinned connection (e.g. to let TCP reconnect). */
  public Flow withoutConnection() {
    return new Flow(transport, remoteHost, remotePort, "", gateway, localAddress);
  }

  @Override
  public String toString() {
    return transport.token()
        + ":"
        + remoteHost
        + ":"
        + remotePort
        + (connectionId.isEmpty() ? "" : "#" + connectionId);
  }
}
