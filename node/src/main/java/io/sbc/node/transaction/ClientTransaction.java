package io.sbc.node.transaction;

import gov.nist.javax.sip.message.SIPRequest;
import io.sbc.gateway.Flow;
import io.sbc.node.dialog.Leg.Side;
import java.time.Duration;

/** A request the SBC sent on a leg and is waiting for a final response to (RFC 3261 §17.1). */
public final class ClientTransaction {
  /** Identifies a client transaction: the branch the SBC chose and the method. */
  public record Key(String branch, String method) {}

  /**
   * Why the SBC sent a request on its own: a session refresh, a keep-alive, or the BYE that ends
   * the dialog of a fork whose 2xx came after another's (RFC 3261 §13.2.2.4; not the call's end).
   */
  public enum Purpose { REFRESH, KEEPALIVE, LOSING_FORK }

  private final Key key;
  private final Side side;
  private final SIPRequest request;
  private final byte[] bytes;
  private final Flow flow;
  private final ServerTransaction peer;
  private final boolean initialInvite;
  private Purpose purpose;
  private int retries;
  private boolean provisional;
  private boolean cancelPending;
  private java.util.List<String> cancelReasons = java.util.List.of();
  private Duration interval;

  ClientTransaction(String branch, SIPRequest request, byte[] bytes, Flow flow, Side side,
      ServerTransaction peer, boolean initialInvite) {
    this.key = new Key(branch, request.getMethod());
    this.side = side;
    this.request = request;
    this.bytes = bytes;
    this.flow = flow;
    this.peer = peer;
    this.initialInvite = initialInvite;
  }

  public Key key() {
    return key;
  }

  public String branch() {
    return key.branch();
  }

  public String method() {
    return key.method();
  }

  public Side side() {
    return side;
  }

  public SIPRequest request() {
    return request;
  }

  byte[] bytes() {
    return bytes;
  }

  public Flow flow() {
    return flow;
  }

  /** The server transaction on the other leg whose request this relays; null if the SBC's own. */
  public ServerTransaction peer() {
    return peer;
  }

  public boolean initialInvite() {
    return initialInvite;
  }

  /** Why the SBC sent this request on its own (null: relayed, initial INVITE, BYE, ...). */
  public Purpose purpose() {
    return purpose;
  }

  public void purpose(Purpose why) {
    purpose = why;
  }

  /** Re-sends of the request after 422 (RFC 4028) or, for the SBC's refreshes, 491. */
  public int retries() {
    return retries;
  }

  void retries(int n) {
    retries = n;
  }

  /** A provisional response came (a CANCEL may be sent, timer A stops for an INVITE). */
  public boolean provisional() {
    return provisional;
  }

  public void markProvisional() {
    provisional = true;
  }

  /** A CANCEL waits for the first provisional response (RFC 3261 §9.1). */
  public boolean cancelPending() {
    return cancelPending;
  }

  public void cancelPending(boolean pending) {
    cancelPending = pending;
  }

  /** The CANCEL of this request (RFC 3261 §9.1), with its {@code Reason} values (RFC 3326). */
  SIPRequest cancelRequest() throws javax.sip.SipException {
    SIPRequest cancel = request.createCancelRequest();
    for (String reason : cancelReasons) {
      cancel.addHeader("Reason: " + reason); // values the parser read (or the SBC wrote): they parse
    }
    return cancel;
  }

  /** The {@code Reason} values (RFC 3326) the CANCEL of this INVITE carries, when one is sent. */
  public java.util.List<String> cancelReasons() {
    return cancelReasons;
  }

  public void cancelReasons(java.util.List<String> reasons) {
    cancelReasons = java.util.List.copyOf(reasons);
  }

  Duration interval() {
    return interval;
  }

  void interval(Duration next) {
    interval = next;
  }
}
