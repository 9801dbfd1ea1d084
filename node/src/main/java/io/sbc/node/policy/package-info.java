/**
 * The midcall-signaling policy values and the cluster-wide runtime store of them (Distributed
 * Data). Uses replicated only.
 */
package io.sbc.node.policy;
