package io.sbc.gateway;

import com.typesafe.config.Config;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The cluster's one SIP address ({@code sbc.sip.front}): a stateless front that peers know
 * instead of the nodes. {@code address} goes into the Contact of UDP legs; requests this node
 * sends to peers over UDP go to {@code egress} with their destination in {@link #DESTINATION}, and
 * the front sends them on from {@code address}.
 */
public record Front(String address, InetSocketAddress egress) {
  /** The header that tells the front where a request goes; the front removes it. */
  public static final String DESTINATION = "X-SBC-Dst";

  public static final Front NONE = new Front("", null);

  public boolean enabled() {
    return egress != null;
  }

  static Front create(Config front) {
    String address = front.getString("address").trim();
    String egress = front.getString("egress").trim();
    if (address.isEmpty() && egress.isEmpty()) {
      return NONE;
    }
    if (address.isEmpty() || egress.isEmpty()) {
      throw new IllegalArgumentException("sbc.sip.front: give both address and egress (host:port), or neither");
    }
    return new Front(hostPort(address, "address"), parse(hostPort(egress, "egress")));
  }

  private static String hostPort(String value, String key) {
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1 || !value.substring(colon + 1).chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException("sbc.sip.front." + key + " must be host:port, not \"" + value + "\"");
    }
    return value;
  }

  private static InetSocketAddress parse(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
    return new InetSocketAddress(host, Integer.parseInt(hostPort.substring(colon + 1)));
  }

  /** {@code request} with the destination header after its request line, for the egress. */
  static byte[] addressed(byte[] request, InetSocketAddress to) {
    int eol = 0;
    while (eol + 1 < request.length && !(request[eol] == '\r' && request[eol + 1] == '\n')) {
      eol++;
    }
    String host = to.getAddress() != null ? to.getAddress().getHostAddress() : to.getHostString();
    if (host.contains(":")) {
      host = "[" + host + "]";
    }
    byte[] header = (DESTINATION + ": sip:" + host + ":" + to.getPort() + "\r\n").getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[request.length + header.length];
    System.arraycopy(request, 0, out, 0, eol + 2);
    System.arraycopy(header, 0, out, eol + 2, header.length);
    System.arraycopy(request, eol + 2, out, eol + 2 + header.length, request.length - eol - 2);
    return out;
  }
}
