/**
 * RFC 4028 session timers of each leg (negotiation, the SBC's refreshes, expiry) and the OPTIONS
 * keep-alive. Uses transaction and dialog; tells the call why it must end, never ends it itself.
 */
package io.sbc.node.sessiontimer;
