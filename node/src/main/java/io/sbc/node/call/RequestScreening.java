package io.sbc.node.call;

import gov.nist.javax.sip.message.SIPRequest;
import io.sbc.gateway.Flow;
import io.sbc.node.dialog.Leg.Side;
import io.sbc.node.transaction.ServerTransaction;
import io.sbc.node.transaction.SipBuilder;
import io.sbc.node.transaction.SipCapabilities;
import io.sbc.node.transaction.TransactionLayer;
import io.sbc.node.transaction.Transactions;
import java.util.List;

/**
 * The checks a UAS makes before it processes a request, in RFC 3261 §8.2's order: the method
 * (§8.2.1: 501 for one the SBC does not know, 405 with Allow for one it does not serve here),
 * then the extensions the request requires (§8.2.2.3: 420 with Unsupported), and the requests
 * the SBC answers itself outside a dialog (OPTIONS: 200 with what it implements, §11.2).
 * ACK and CANCEL are never refused here: an ACK is never answered, a CANCEL is matched.
 */
final class RequestScreening {
  private final Transactions transactions;
  private final TransactionLayer tx;
  private final SipBuilder build;

  RequestScreening(Transactions transactions, TransactionLayer tx, SipBuilder build) {
    this.transactions = transactions;
    this.tx = tx;
    this.build = build;
  }

  /**
   * True when the request was answered here (refused, or an out-of-dialog OPTIONS); false when
   * the call must process it.
   */
  boolean answered(SIPRequest req, Flow flow, Side side) throws Exception {
    String method = req.getMethod();
    if (method.equals("ACK") || method.equals("CANCEL")) {
      return false;
    }
    boolean outOfDialog = req.getToTag() == null;
    if (!SipCapabilities.known(method)) {
      tx.respond(transactions.newServer(side, req, flow), 501, "Not Implemented", null,
          resp -> build.setList(resp, "Allow", SipCapabilities.allow()));
      return true;
    }
    boolean served = outOfDialog ? method.equals("INVITE") || method.equals("OPTIONS") : SipCapabilities.allowed(method);
    if (!served) {
      String allow = outOfDialog ? SipCapabilities.allowOutOfDialog() : SipCapabilities.allow();
      tx.respond(transactions.newServer(side, req, flow), 405, "Method Not Allowed", null,
          resp -> build.setList(resp, "Allow", allow));
      return true;
    }
    List<String> unsupported = SipCapabilities.unsupportedRequired(req);
    if (!unsupported.isEmpty()) {
      tx.respond(transactions.newServer(side, req, flow), 420, "Bad Extension", null,
          resp -> build.setList(resp, "Unsupported", String.join(", ", unsupported)));
      return true;
    }
    if (outOfDialog && method.equals("OPTIONS")) {
      ServerTransaction st = transactions.newServer(side, req, flow);
      tx.respond(st, 200, "OK", null, build::advertiseCapabilities);
      return true;
    }
    return false;
  }
}
