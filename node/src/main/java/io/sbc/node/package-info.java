/**
 * Starts one SBC node ({@code Main}): a list of {@code init} steps over the packages below.
 */
package io.sbc.node;
