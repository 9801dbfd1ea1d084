package io.sbc.gateway;

import com.typesafe.config.Config;

/** Gateway settings from {@code sbc.sip} (see the node's reference.conf). */
public record GatewaySettings(
    String host,
    int port,
    String advertisedHost,
    int ioThreads,
    int decodeThreads,
    int decodeQueue,
    int maxMessageBytes,
    int udpBufferBytes,
    int connectTimeoutMillis) {

  public GatewaySettings {
    if (decodeThreads < 1 || decodeQueue < 1) {
      throw new IllegalArgumentException("sbc.sip.decode-threads and decode-queue must be positive");
    }
  }

  /** The advertised {@code host:port} (IPv6 literals bracketed), as written into Via and Contact. */
  public String hostPort() {
    String h = advertisedHost.contains(":") && !advertisedHost.startsWith("[") ? "[" + advertisedHost + "]" : advertisedHost;
    return h + ":" + port;
  }

  public static GatewaySettings create(Config sip) {
    String host = sip.getString("host");
    int decodeThreads = sip.getInt("decode-threads");
    String advertised = sip.getString("advertised-host");
    return new GatewaySettings(
        host,
        sip.getInt("port"),
        advertised.isEmpty() ? host : advertised,
        sip.getInt("io-threads"),
        decodeThreads > 0 ? decodeThreads : Runtime.getRuntime().availableProcessors(),
        sip.getInt("decode-queue"),
        (int) sip.getBytes("max-message-size").longValue(),
        (int) sip.getBytes("udp-buffer-size").longValue(),
        (int) sip.getDuration("connect-timeout").toMillis());
  }
}
