package io.sbc.node.transaction;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.node.dialog.Leg.Side;

/**
 * What of a relayed message's headers crosses the B2BUA beyond the fixed end-to-end set of {@link
 * SipBuilder}: headers whose relay depends on who sent the message and who gets it (identity,
 * privacy, credentials). The transaction layer calls it for every relayed in-dialog request and
 * every relayed response, after the SBC's own message is built and before anything is added to it.
 */
public interface RelayedHeaders {
  /** Nothing beyond the fixed set. */
  RelayedHeaders NONE = new RelayedHeaders() {
    @Override
    public void request(SIPMessage source, SIPRequest out, Side to) {}

    @Override
    public void response(SIPResponse source, SIPResponse out, Side to) {}
  };

  /** {@code source} came from the other leg (null: the SBC's own request); {@code out} goes to the peer on {@code to}. */
  void request(SIPMessage source, SIPRequest out, Side to) throws Exception;

  /** {@code source} answered the SBC on the other leg (null: the SBC's own answer); {@code out} answers the peer on {@code to}. */
  void response(SIPResponse source, SIPResponse out, Side to) throws Exception;
}
