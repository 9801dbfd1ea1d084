/**
 * Routes the node adds to the Pekko Management HTTP server: /metrics, /sbc (policy, session-timer
 * settings, route table, calls, drain) and the readiness check. Uses the call entity (asks it), the
 * runtime stores of policy, routing and sessiontimer, config and metrics.
 */
package io.sbc.node.http;
