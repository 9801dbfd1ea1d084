package io.sbc.gateway;

/** Marker for messages and events that cross nodes or reach the journal as Jackson CBOR. */
public interface CborSerializable {}
