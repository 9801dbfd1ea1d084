package io.sbc.protocol;

import java.util.Locale;

/** SIP transports the gateway terminates. TLS is framed like TCP. */
public enum Transport {
  UDP,
  TCP,
  TLS;

  /** True for connection-oriented transports: no SIP retransmissions (RFC 3261 §17.1.1.2). */
  public boolean reliable() {
    return this != UDP;
  }

  /** The lower-case token used in Via and in the {@code transport=} URI parameter. */
  public String token() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a {@code transport=} value; anything unknown is rejected rather than guessed. */
  public static Transport fromToken(String token) {
    switch (token.trim().toLowerCase(Locale.ROOT)) {
      case "udp":
        return UDP;
      case "tcp":
        return TCP;
      case "tls":
        return TLS;
      default:
        throw new IllegalArgumentException("unknown SIP transport '" + token + "'");
    }
  }
}
