/**
 * RFC 4028 session timers of each leg (negotiation, the SBC's refreshes, expiry), the settings in
 * force (configured, or set at runtime cluster-wide) and the OPTIONS keep-alive. Uses transaction,
 * dialog, config and replicated; tells the call why it must end, never ends it itself.
 */
package io.sbc.node.sessiontimer;
