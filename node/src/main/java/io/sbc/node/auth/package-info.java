/**
 * HTTP digest authentication of the SBC at a route's next hop (RFC 3261 §22, RFC 7616): the
 * challenge and the answer (pure), and the per-call part that answers a trunk's 401/407 with the
 * route's credentials. Uses routing, dialog and transaction.
 */
package io.sbc.node.auth;
