package io.sbc.gateway;

import com.typesafe.config.Config;
import io.sbc.gateway.tls.TlsSettings;

/**
 * Gateway settings from {@code sbc.sip} (see the node's reference.conf).
 *
 * @param udpMtuThreshold RFC 3261 §18.1.1: requests larger than this many bytes that would go
 *     over UDP go over TCP (0: never)
 */
public record GatewaySettings(
    String host,
    int port,
    String advertisedHost,
    int ioThreads,
    int decodeThreads,
    int decodeQueue,
    int maxMessageBytes,
    int udpBufferBytes,
    int connectTimeoutMillis,
    int udpMtuThreshold,
    TlsSettings tls,
    Front front) {

  public GatewaySettings {
    if (decodeThreads < 1 || decodeQueue < 1) {
      throw new IllegalArgumentException("sbc.sip.decode-threads and decode-queue must be positive");
    }
    if (udpMtuThreshold < 0) {
      throw new IllegalArgumentException("sbc.sip.udp-mtu-threshold must be 0 (off) or a size in bytes");
    }
    if (tls.enabled() && tls.port() == port) {
      throw new IllegalArgumentException("sbc.sip.tls.port must differ from sbc.sip.port (TCP listens there): " + port);
    }
  }

  /** The advertised {@code host:port} (IPv6 literals bracketed), as written into Via and Contact. */
  public String hostPort() {
    return address().hostPort();
  }

  /** Where this gateway is reached: the UDP/TCP port, and the TLS port when TLS is on. */
  public GatewayAddress address() {
    String h = advertisedHost.contains(":") && !advertisedHost.startsWith("[") ? "[" + advertisedHost + "]" : advertisedHost;
    return new GatewayAddress(h + ":" + port, tls.enabled() ? h + ":" + tls.port() : "");
  }

  public GatewaySettings withTls(TlsSettings tls) {
    return new GatewaySettings(host, port, advertisedHost, ioThreads, decodeThreads, decodeQueue, maxMessageBytes,
        udpBufferBytes, connectTimeoutMillis, udpMtuThreshold, tls, front);
  }

  public GatewaySettings withUdpMtuThreshold(int bytes) {
    return new GatewaySettings(host, port, advertisedHost, ioThreads, decodeThreads, decodeQueue, maxMessageBytes,
        udpBufferBytes, connectTimeoutMillis, bytes, tls, front);
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
        (int) sip.getDuration("connect-timeout").toMillis(),
        (int) sip.getBytes("udp-mtu-threshold").longValue(),
        TlsSettings.create(sip.getConfig("tls")),
        Front.create(sip.getConfig("front")));
  }
}
