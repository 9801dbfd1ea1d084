/**
 * Where a call goes: the ordered route table (configured, or replaced at runtime cluster-wide:
 * {@code RouteStore}), next hops, and which midcall policy a route has. Uses policy and replicated.
 */
package io.sbc.node.routing;
