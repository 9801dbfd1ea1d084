package io.sbc.node.call;

import io.sbc.gateway.CborSerializable;

/** The answer to an operator's hang-up: whether BYEs went out, and the phase the call was in. */
public record HangUpResult(boolean hungUp, String phase) implements CborSerializable {}
