/**
 * The node's Prometheus registry (with the JVM's figures), the call counters, the SIP gateway's
 * message counts and the cluster/sharding gauges. Uses policy (decision labels), the sip-gateway
 * module (its counters) and Pekko Cluster/Sharding; never the call or its parts.
 */
package io.sbc.node.metrics;
