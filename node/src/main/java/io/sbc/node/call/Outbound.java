package io.sbc.node.call;

import gov.nist.javax.sip.message.SIPRequest;
import io.sbc.gateway.Flow;
import io.sbc.node.dialog.Leg;
import io.sbc.node.dialog.Leg.Side;
import io.sbc.node.interop.BLegIdentity;
import io.sbc.node.interop.HeaderRelay;
import io.sbc.node.interop.Trust;
import io.sbc.node.routing.RouteTable;
import io.sbc.node.transaction.SipBuilder;
import io.sbc.node.transaction.TransactionLayer;
import io.sbc.protocol.uri.RequestTarget;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Where a new call goes: its route in the table in force, and its B-leg as the next hop sees it.
 * Owns the call's {@link HeaderRelay}, which it sets on the transaction layer for every later relay.
 */
final class Outbound {
  /** The route taken, its next hop, the B-leg (no dialog yet) and how the INVITE presents the call. */
  record Plan(RouteTable.Route route, RouteTable.NextHop hop, Leg b, BLegIdentity identity) {}

  private final String entityId;
  private final CallServices services;
  private final Trust trust;
  private final HeaderRelay headers;

  Outbound(String entityId, CallServices services, Trust trust, TransactionLayer tx) {
    this.entityId = entityId;
    this.services = services;
    this.trust = trust;
    this.headers = new HeaderRelay(trust);
    tx.relayedHeaders(headers);
  }

  /** The caller's headers that go on with the B-leg INVITE by trust and privacy (see {@link HeaderRelay}). */
  void relayHeaders(SIPRequest aInvite, SIPRequest bInvite) {
    headers.initialInvite(aInvite, bInvite);
  }

  Plan plan(SIPRequest req, Flow flow) {
    // tel: and user=phone numbers route on their digits (RFC 3966 §5.1.1)
    RequestTarget target = RequestTarget.of(req.getRequestURI());
    // The table in force now (it may change at runtime); the call keeps this route and next hop.
    RouteTable.Route selected = services.routes().get().route(target.routingUser(), target.host());
    RouteTable.NextHop hop = selected.nextHop();
    // The B-leg is anchored on the gateway the call came in on: both legs use that node's
    // address, so the call's signaling stays put when its entity moves to another node.
    Flow hopFlow = services.gateways().toward(flow, hop.transport(), hop.host(), hop.port());
    BLegIdentity identity = BLegIdentity.of(req, selected, trust.nextHop(selected, hopFlow), services.builder());
    String callId = services.callIds().issue(entityId, ThreadLocalRandom.current().nextInt(1 << 30));
    Leg b = new Leg(Side.B, callId, SipBuilder.newTag(), "", identity.from(), identity.to(),
        "sip:" + hop.host() + ":" + hop.port(), List.of(), 1, 0, hopFlow, "", "", "");
    return new Plan(selected, hop, b, identity);
  }
}
