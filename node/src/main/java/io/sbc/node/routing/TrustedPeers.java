package io.sbc.node.routing;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The networks whose SIP peers the SBC trusts (RFC 3325 §2.3 "Trust Domain"): identity headers from
 * them are believed, and they may see what a caller's privacy hides from others. A peer is
 * trusted by its IP address only; a host name never is (it would need a DNS lookup per message,
 * and DNS is not an authentication). Immutable.
 */
public final class TrustedPeers {
  private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");

  /** One network: its address bytes and how many leading bits count. */
  private record Network(byte[] address, int bits, String text) {
    boolean contains(byte[] ip) {
      if (ip.length != address.length) {
        return false;
      }
      int full = bits / 8;
      for (int i = 0; i < full; i++) {
        if (ip[i] != address[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = 0xff << (8 - rest);
      return (ip[full] & mask) == (address[full] & mask);
    }
  }

  private final List<Network> networks;

  private TrustedPeers(List<Network> networks) {
    this.networks = List.copyOf(networks);
  }

  /**
   * Parses CIDR blocks ({@code 10.0.0.0/8}, {@code 192.0.2.7}, {@code 2001:db8::/32}); an address
   * without {@code /bits} is that host alone.
   *
   * @throws IllegalArgumentException naming the entry that is not an IP network
   */
  public static TrustedPeers parse(List<String> cidrs) {
    List<Network> out = new ArrayList<>();
    for (String raw : cidrs) {
      String cidr = raw.trim();
      if (cidr.isEmpty()) {
        continue;
      }
      int slash = cidr.indexOf('/');
      byte[] address = literal(slash < 0 ? cidr : cidr.substring(0, slash));
      if (address == null) {
        throw new IllegalArgumentException("'" + raw + "' is not an IP network (e.g. 10.0.0.0/8 or 2001:db8::/32)");
      }
      int bits = address.length * 8;
      if (slash >= 0) {
        try {
          bits = Integer.parseInt(cidr.substring(slash + 1).trim());
        } catch (NumberFormatException e) {
          bits = -1;
        }
        if (bits < 0 || bits > address.length * 8) {
          throw new IllegalArgumentException("'" + raw + "': prefix length must be 0-" + address.length * 8);
        }
      }
      out.add(new Network(address, bits, cidr));
    }
    return new TrustedPeers(out);
  }

  /** Whether a peer at {@code host} (an IP literal; IPv6 may be bracketed) is in a trusted network. */
  public boolean contains(String host) {
    byte[] ip = host == null ? null : literal(host);
    if (ip == null) {
      return false;
    }
    for (Network n : networks) {
      if (n.contains(ip)) {
        return true;
      }
    }
    return false;
  }

  /** The networks as configured, for log lines. */
  public List<String> networks() {
    return networks.stream().map(Network::text).toList();
  }

  /** The bytes of an IPv4 or IPv6 literal (never a DNS lookup), or null when it is not one. */
  private static byte[] literal(String text) {
    String s = text.trim();
    if (s.startsWith("[") && s.endsWith("]")) {
      s = s.substring(1, s.length() - 1);
    }
    int zone = s.indexOf('%');
    if (zone >= 0) {
      s = s.substring(0, zone);
    }
    if (!IPV4.matcher(s).matches() && !IPV6.matcher(s).matches()) {
      return null;
    }
    try {
      byte[] b = InetAddress.getByName(s).getAddress(); // a literal: parsed, not looked up
      if (b.length == 16 && isMappedIpv4(b)) {
        return new byte[] {b[12], b[13], b[14], b[15]};
      }
      return b;
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static boolean isMappedIpv4(byte[] b) {
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return b[10] == (byte) 0xff && b[11] == (byte) 0xff;
  }

  @Override
  public String toString() {
    return "TrustedPeers" + networks();
  }
}
