package io.sbc.gateway;

import gov.nist.javax.sip.message.SIPMessage;

/** Receives every well-formed message a gateway decodes, with the flow it arrived on. */
@FunctionalInterface
public interface InboundSink {
  /** @param receivedAtMillis wall clock time the bytes were read from the socket */
  void accept(SIPMessage message, Flow flow, long receivedAtMillis);
}
