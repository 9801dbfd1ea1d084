/**
 * The cluster's SIP gateways: the directory of live ones and which gateway sends a call's message
 * when the one that anchored it is gone. Uses the sip-gateway module and Pekko Cluster only.
 */
package io.sbc.node.gateways;
