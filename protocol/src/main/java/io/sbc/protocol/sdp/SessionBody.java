package io.sbc.protocol.sdp;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;

/**
 * The session description inside a SIP message body: the body itself when it is {@code
 * application/sdp}, or the {@code application/sdp} part of a {@code multipart/*} body (RFC 5621,
 * e.g. SIP-I/SIP-T {@code multipart/mixed} with {@code application/isup}, RFC 3204). Works on the
 * raw bytes (an ISUP part is binary; JAIN-SIP's multipart support decodes parts to text) and never
 * throws: a multipart body without a usable boundary simply has no SDP part.
 */
public final class SessionBody {
  private static final int MAX_DEPTH = 3;

  private SessionBody() {}

  /** Where the SDP is in a body: the content's first byte and the byte after its last. */
  private record Span(int start, int end) {}

  /** The SDP carried by a body of {@code contentType} ("" when it carries none). */
  public static String sdp(String contentType, byte[] body) {
    if (body == null || body.length == 0 || contentType == null) {
      return "";
    }
    return find(contentType, body, 0, body.length, 0)
        .map(s -> new String(body, s.start(), s.end() - s.start(), StandardCharsets.UTF_8))
        .orElse("");
  }

  /** Whether {@code contentType} is a multipart type (RFC 2046 §5.1). */
  public static boolean multipart(String contentType) {
    return contentType != null && mediaType(contentType).startsWith("multipart/");
  }

  /**
   * The body with its SDP replaced by {@code sdp}, the rest byte for byte as it was (other parts,
   * boundaries, part headers); empty when the body is not a multipart body with an SDP part.
   */
  public static Optional<byte[]> withSdp(String contentType, byte[] body, String sdp) {
    if (!multipart(contentType) || body == null) {
      return Optional.empty();
    }
    return find(contentType, body, 0, body.length, 0).map(s -> {
      ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + sdp.length());
      out.write(body, 0, s.start());
      out.writeBytes(sdp.getBytes(StandardCharsets.UTF_8));
      out.write(body, s.end(), body.length - s.end());
      return out.toByteArray();
    });
  }

  private static Optional<Span> find(String contentType, byte[] body, int from, int to, int depth) {
    String type = mediaType(contentType);
    if (type.equals("application/sdp")) {
      return Optional.of(new Span(from, to));
    }
    if (!type.startsWith("multipart/") || depth >= MAX_DEPTH) {
      return Optional.empty();
    }
    String boundary = parameter(contentType, "boundary");
    if (boundary == null || boundary.isEmpty() || boundary.length() > 70) { // RFC 2046 §5.1.1: 1-70 characters
      return Optional.empty();
    }
    byte[] dashes = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
    int delimiter = nextDelimiter(body, dashes, from, to);
    while (delimiter >= 0) {
      int afterDashes = delimiter + dashes.length;
      if (startsWith(body, afterDashes, to, "--")) {
        return Optional.empty(); // the close delimiter: no SDP part
      }
      int headersStart = lineEnd(body, afterDashes, to);
      if (headersStart < 0) {
        return Optional.empty();
      }
      int next = nextDelimiter(body, dashes, headersStart, to);
      if (next < 0) {
        return Optional.empty(); // a part without its closing boundary is not used
      }
      int contentEnd = next > from && body[next - 1] == '\n' ? next - 1 : next;
      if (contentEnd > headersStart && body[contentEnd - 1] == '\r') {
        contentEnd--;
      }
      int headersEnd = blankLine(body, headersStart, contentEnd);
      if (headersEnd >= 0) {
        String partType = partContentType(new String(body, headersStart, headersEnd - headersStart,
            StandardCharsets.ISO_8859_1));
        int contentStart = skipBlankLine(body, headersEnd, contentEnd);
        Optional<Span> found = find(partType, body, contentStart, Math.max(contentStart, contentEnd), depth + 1);
        if (found.isPresent()) {
          return found;
        }
      }
      delimiter = next;
    }
    return Optional.empty();
  }

  /** The position of the next {@code --boundary} at the start of a line in [from, to), or -1. */
  private static int nextDelimiter(byte[] body, byte[] dashes, int from, int to) {
    for (int i = from; i + dashes.length <= to; i++) {
      if ((i == 0 || body[i - 1] == '\n') && startsWith(body, i, to, dashes)) {
        return i;
      }
    }
    return -1;
  }

  /** The first byte after the end of the line that contains {@code from} (LF or CRLF), or -1. */
  private static int lineEnd(byte[] body, int from, int to) {
    for (int i = from; i < to; i++) {
      if (body[i] == '\n') {
        return i + 1;
      }
    }
    return -1;
  }

  /**
   * Where the empty line ending the part headers starts in [from, to) (at {@code from} itself
   * when the part has no headers), or -1.
   */
  private static int blankLine(byte[] body, int from, int to) {
    int line = from;
    while (line >= 0 && line < to) {
      if (body[line] == '\n' || (body[line] == '\r' && line + 1 < to && body[line + 1] == '\n')) {
        return line;
      }
      line = lineEnd(body, line, to);
    }
    return -1;
  }

  /** The first byte after the empty line at {@code at}. */
  private static int skipBlankLine(byte[] body, int at, int to) {
    int end = lineEnd(body, at, to);
    return end < 0 ? to : end;
  }

  private static boolean startsWith(byte[] body, int at, int to, String text) {
    return startsWith(body, at, to, text.getBytes(StandardCharsets.ISO_8859_1));
  }

  private static boolean startsWith(byte[] body, int at, int to, byte[] prefix) {
    if (at + prefix.length > to) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (body[at + i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  /** A part's Content-Type (RFC 2046 §5.1: text/plain when it has none). */
  private static String partContentType(String headers) {
    String found = "text/plain";
    String name = null;
    StringBuilder value = new StringBuilder();
    for (String line : headers.split("\r?\n")) {
      if (!line.isEmpty() && (line.charAt(0) == ' ' || line.charAt(0) == '\t') && name != null) {
        value.append(' ').append(line.trim()); // folded
        continue;
      }
      if ("content-type".equals(name)) {
        found = value.toString();
      }
      int colon = line.indexOf(':');
      name = colon < 0 ? null : line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
      value = new StringBuilder(colon < 0 ? "" : line.substring(colon + 1).trim());
    }
    return "content-type".equals(name) ? value.toString() : found;
  }

  /** {@code type/subtype} of a Content-Type value, lower case. */
  private static String mediaType(String contentType) {
    int semi = contentType.indexOf(';');
    return (semi < 0 ? contentType : contentType.substring(0, semi)).trim().toLowerCase(Locale.ROOT);
  }

  /** A parameter of a Content-Type value (quotes removed), or null. */
  static String parameter(String contentType, String name) {
    String[] params = contentType.split(";");
    for (int i = 1; i < params.length; i++) {
      int eq = params[i].indexOf('=');
      if (eq > 0 && params[i].substring(0, eq).trim().equalsIgnoreCase(name)) {
        String v = params[i].substring(eq + 1).trim();
        return v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"") ? v.substring(1, v.length() - 1) : v;
      }
    }
    return null;
  }
}
