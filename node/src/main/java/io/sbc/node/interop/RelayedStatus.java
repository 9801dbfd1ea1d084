package io.sbc.node.interop;

import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.node.dialog.Leg.Side;
import io.sbc.node.transaction.ClientTransaction;
import io.sbc.node.transaction.Customizer;
import io.sbc.node.transaction.SipBuilder;

/**
 * The final status the SBC relays for a final response from the other leg, where that is not the
 * response's own:
 * <ul>
 *   <li>{@code 503} becomes {@code 500}: a 503 says the server that sends it is unavailable (RFC
 *       3261 §21.5.4), and upstream would take the whole SBC out of service for one next hop
 *       (§16.7 step 6 has a proxy do the same). Its Retry-After concerns the next hop and goes too;
 *       a Warning says what the next hop answered.
 *   <li>{@code 401}/{@code 407} on a route where the SBC authenticates with its own credentials
 *       (it answered the challenge already, or could not): {@code 403}, since the challenge is for
 *       the SBC's account and the caller cannot answer it (§21.4.4).
 * </ul>
 */
public final class RelayedStatus {
  /** What to send: {@code edit} (may be null) adjusts the response after it is built. */
  public record Status(int code, String reason, Customizer<SIPResponse> edit) {}

  private final Trust trust;
  private final SipBuilder build;

  public RelayedStatus(Trust trust, SipBuilder build) {
    this.trust = trust;
    this.build = build;
  }

  /** The status to relay for {@code resp}, the final response to {@code ct}. */
  public Status of(ClientTransaction ct, SIPResponse resp) {
    int code = resp.getStatusCode();
    String what = code + " " + resp.getReasonPhrase();
    if (code == 503) {
      return new Status(500, "Server Internal Error", r -> {
        r.removeHeader("Retry-After");
        build.warning(r, 399, "next hop answered " + what);
      });
    }
    var route = trust.route();
    if ((code == 401 || code == 407) && ct.side() == Side.B && route != null && route.auth().isPresent()) {
      return new Status(403, "Forbidden", r -> build.warning(r, 399, "next hop refused the SBC's credentials (" + what + ")"));
    }
    return new Status(code, resp.getReasonPhrase(), null);
  }
}
