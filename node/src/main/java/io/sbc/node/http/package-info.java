/**
 * Routes the node adds to the Pekko Management HTTP server: /metrics, /sbc (policy, calls, drain)
 * and the readiness check. Uses the call entity (asks it), policy, routing, config and metrics.
 */
package io.sbc.node.http;
