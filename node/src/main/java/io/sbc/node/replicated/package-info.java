/**
 * The node's runtime settings kept cluster-wide in Pekko Distributed Data: one durable key per
 * setting, read from a local immutable copy, written with WriteMajority. Uses nothing else of the node.
 */
package io.sbc.node.replicated;
