package io.sbc.gateway;

import io.sbc.protocol.Transport;

/**
 * The advertised addresses of a gateway, as written into the Via and Contact of the SBC's
 * messages: {@code host:port} of UDP and TCP, and {@code host:tls-port} (empty when the gateway
 * runs no TLS). A peer that must open a connection back (RFC 3261 §18.2.2, a new dialog request)
 * needs the port of the transport it uses: a TLS peer reaching the plain TCP port would fail.
 */
public record GatewayAddress(String hostPort, String tlsHostPort) {
  public GatewayAddress {
    hostPort = hostPort == null ? "" : hostPort;
    tlsHostPort = tlsHostPort == null ? "" : tlsHostPort;
  }

  /**
   * The address for messages on {@code transport}; a gateway without TLS gives its plain one (a
   * TLS send through it fails anyway, so the Via only needs to be well-formed).
   */
  public String forTransport(Transport transport) {
    return transport == Transport.TLS && !tlsHostPort.isEmpty() ? tlsHostPort : hostPort;
  }

  /** Whether {@code hostPort} is one of this gateway's addresses. */
  public boolean owns(String address) {
    return !address.isEmpty() && (address.equals(hostPort) || address.equals(tlsHostPort));
  }
}
