package io.sbc.gateway;

import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.protocol.DecodeResult;
import io.sbc.protocol.SipCodec;
import io.sbc.protocol.Transport;

/**
 * RFC 3261 §18.2.2: where a response goes over TCP or TLS when the connection its request came
 * on is gone: a new connection to the address in the top Via's {@code received} (else its
 * sent-by host) and the sent-by port (else 5060, or 5061 for TLS). Not the source port of the
 * lost connection: a client's outgoing connections come from ephemeral ports nobody listens on.
 * {@code rport} is not used: it concerns UDP (RFC 3581).
 */
record ResponseTarget(String host, int port) {

  /** The target of the encoded response {@code bytes}, or the flow's remote address when the Via is unusable. */
  static ResponseTarget of(byte[] bytes, Flow flow) {
    if (SipCodec.decode(bytes) instanceof DecodeResult.Decoded decoded
        && decoded.message() instanceof SIPResponse response
        && response.getTopmostVia() != null) {
      Via via = response.getTopmostVia();
      String received = via.getReceived();
      String host = received != null && !received.isEmpty() ? received : via.getHost();
      if (host != null && !host.isEmpty()) {
        int port = via.getPort() > 0 ? via.getPort() : flow.transport() == Transport.TLS ? 5061 : 5060;
        return new ResponseTarget(unbracket(host), port);
      }
    }
    return new ResponseTarget(flow.remoteHost(), flow.remotePort());
  }

  private static String unbracket(String host) {
    return host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
  }
}
