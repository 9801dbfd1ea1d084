package io.sbc.gateway;

import gov.nist.javax.sip.header.Via;
import gov.nist.javax.sip.message.SIPRequest;
import java.text.ParseException;

/** RFC 3261 §18.2.1 and RFC 3581: record where a request really came from in its top Via. */
public final class Vias {
  private Vias() {}

  /**
   * Adds {@code received} when the source address differs from the sent-by host or when the
   * client asked for {@code rport}, and fills in {@code rport} with the source port when asked.
   */
  public static void stampReceived(SIPRequest request, String sourceHost, int sourcePort)
      throws ParseException {
    Via top = request.getTopmostVia();
    if (top == null) {
      return;
    }
    boolean rportRequested = top.hasParameter("rport");
    if (rportRequested || !sourceHost.equals(top.getHost())) {
      top.setReceived(sourceHost);
    }
    if (rportRequested) {
      top.setParameter("rport", Integer.toString(sourcePort));
    }
  }
}
