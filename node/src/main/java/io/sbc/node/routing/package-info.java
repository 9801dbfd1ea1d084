/**
 * Where a call goes: the ordered route table, next hops, and which midcall policy a route has.
 * Uses policy only.
 */
package io.sbc.node.routing;
