/**
 * The node's Prometheus registry and the call counters. Uses policy (for the decision labels).
 */
package io.sbc.node.metrics;
