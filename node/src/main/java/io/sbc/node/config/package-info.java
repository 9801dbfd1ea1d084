/**
 * The node's settings, read once from {@code sbc { ... }} and validated (exit 2 when invalid).
 * Uses policy and routing for the values they parse.
 */
package io.sbc.node.config;
