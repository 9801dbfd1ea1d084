/**
 * Routes the node adds to the Pekko Management HTTP server ({@code /metrics}). Uses metrics.
 */
package io.sbc.node.http;
