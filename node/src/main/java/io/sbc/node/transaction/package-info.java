/**
 * RFC 3261 transactions of one call: their state, the typed timer keys, sending and retransmitting,
 * message building, and the {@code Effects} a message's handling records. Uses dialog, never the call.
 */
package io.sbc.node.transaction;
