/**
 * One call as a sharded, event-sourced entity ({@code CallEntity}) and the B2BUA that dispatches
 * its messages and timers ({@code B2bua}, {@code Responses}, {@code Teardown}). Uses every part
 * below it; nothing below uses it.
 */
package io.sbc.node.call;
