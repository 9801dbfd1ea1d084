/**
 * What one call is: its two legs, its phase, the live {@code CallState}, and the events and state
 * the journal keeps. Plain values; uses only config, routing names and the protocol module.
 */
package io.sbc.node.dialog;
