package io.sbc.gateway;

import io.sbc.protocol.Transport;

/**
 * Where a gateway reports each SIP message it reads or writes, and each it could not parse. The
 * node counts them in its metrics registry; the gateway itself needs no metrics library. Called
 * from Netty and decode threads: implementations must be thread-safe and must not block.
 */
public interface SipTraffic {

  enum Direction {
    IN, OUT;

    public String label() {
      return this == IN ? "in" : "out";
    }
  }

  /** A message parsed on the way in, or written out (counted once the write succeeded). */
  void message(Direction direction, Transport transport, MessageLabels labels);

  /** Bytes that did not parse into a SIP message (answered 400 or dropped). */
  void parseError(Transport transport);

  /** Counts nothing. */
  SipTraffic NONE = new SipTraffic() {
    @Override
    public void message(Direction direction, Transport transport, MessageLabels labels) {}

    @Override
    public void parseError(Transport transport) {}
  };
}
