/**
 * Carrier interop of the headers a call's messages carry across the B2BUA: trust of peers (RFC
 * 3325), identity and privacy (RFC 3323, 3325, 8224, 5806, 7044, 4412), how the B-leg addresses a
 * dialled number (tel:, user=phone), and the statuses not relayed as received (503, a trunk's
 * challenge the SBC answers itself). Uses routing, dialog and transaction; nothing below uses it.
 */
package io.sbc.node.interop;
