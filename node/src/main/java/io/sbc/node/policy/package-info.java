/**
 * The midcall-signaling policy values and the cluster-wide runtime store of them (Distributed
 * Data). Uses nothing else of the node.
 */
package io.sbc.node.policy;
