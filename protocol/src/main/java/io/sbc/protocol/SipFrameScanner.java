package io.sbc.protocol;

/**
 * Message framing for stream transports (TCP/TLS): a pure function over bytes that says what the
 * bytes at an offset are. Keeps no state; the caller owns the buffer and consumes what it is told.
 *
 * <p>On a stream, RFC 3261 §18.3 makes Content-Length mandatory, so a message is the header section
 * up to and including the empty line plus exactly Content-Length body bytes. Between messages
 * RFC 5626 §4.4.1 keep-alives may appear: a double CRLF is a ping (answer with one CRLF), a lone
 * CRLF is a pong (skip it).
 */
public final class SipFrameScanner {

  /** What the bytes at the scanned offset are. */
  public sealed interface Frame
      permits Frame.NeedMore, Frame.KeepAlivePing, Frame.KeepAlivePong, Frame.Message, Frame.Invalid {

    /** Not enough bytes yet to decide; read more and scan again from the same offset. */
    record NeedMore() implements Frame {}

    /** A double-CRLF ping of {@code length} bytes; answer with a single CRLF pong. */
    record KeepAlivePing(int length) implements Frame {}

    /** A lone line break (pong) of {@code length} bytes between messages; skip it. */
    record KeepAlivePong(int length) implements Frame {}

    /** A complete message of {@code length} bytes (headers, empty line, body). */
    record Message(int length) implements Frame {}

    /** The stream cannot be framed; the connection has to be closed. */
    record Invalid(String reason) implements Frame {}
  }

  private static final Frame NEED_MORE = new Frame.NeedMore();
  private static final byte CR = '\r';
  private static final byte LF = '\n';

  private SipFrameScanner() {}

  /**
   * Classifies the bytes {@code buf[offset, offset+length)}. Never throws; bad arguments yield
   * {@link Frame.Invalid}.
   */
  public static Frame scan(byte[] buf, int offset, int length, int maxMessageSize) {
    try {
      return doScan(buf, offset, length, maxMessageSize);
    } catch (RuntimeException e) {
      return new Frame.Invalid("framing failed: " + e);
    }
  }

  private static Frame doScan(byte[] buf, int offset, int length, int maxMessageSize) {
    if (buf == null || offset < 0 || length < 0 || offset > buf.length - length) {
      return new Frame.Invalid("bad buffer bounds");
    }
    if (length == 0) {
      return NEED_MORE;
    }
    // Keep-alives. A lone CRLF stays undecided until the next byte shows whether it starts a ping,
    // otherwise a ping split across two reads would be taken for two pongs and never answered.
    if (buf[offset] == CR) {
      if (length < 2) {
        return NEED_MORE;
      }
      if (buf[offset + 1] != LF) {
        return new Frame.Invalid("stray CR between messages");
      }
      if (length < 3) {
        return NEED_MORE;
      }
      if (buf[offset + 2] != CR) {
        return new Frame.KeepAlivePong(2);
      }
      if (length < 4) {
        return NEED_MORE;
      }
      return buf[offset + 3] == LF
          ? new Frame.KeepAlivePing(4)
          : new Frame.KeepAlivePong(2); // CRLF then a stray CR: skip the pong, let the next scan judge
    }
    if (buf[offset] == LF) {
      return new Frame.KeepAlivePong(1); // lenient: a bare LF between messages carries nothing
    }

    Head head = scanHead(buf, offset, length, maxMessageSize);
    if (head.error() != null) {
      return new Frame.Invalid(head.error());
    }
    if (!head.complete()) {
      return length >= maxMessageSize
          ? new Frame.Invalid("header section larger than " + maxMessageSize + " bytes")
          : NEED_MORE;
    }
    if (head.contentLength() < 0) {
      return new Frame.Invalid("missing Content-Length header (mandatory on stream transports)");
    }
    long total = head.headerLength() + head.contentLength();
    if (total > maxMessageSize) {
      return new Frame.Invalid("message of " + total + " bytes larger than " + maxMessageSize);
    }
    return length >= total ? new Frame.Message((int) total) : NEED_MORE;
  }

  /**
   * What a header scan found. {@code headerLength} includes the empty line when {@code complete};
   * {@code contentLength} is -1 when no Content-Length header was seen.
   */
  record Head(boolean complete, int headerLength, long contentLength, String error) {}

  /**
   * Scans the header section line by line (CRLF or bare LF line ends) for its end and for
   * Content-Length / {@code l}. Looks at no more than {@code limit} bytes. Shared with the datagram
   * decoder so both transports agree on where the body starts.
   */
  static Head scanHead(byte[] buf, int offset, int length, int limit) {
    int end = offset + Math.min(length, Math.max(limit, 0));
    long contentLength = -1;
    int lineStart = offset;
    boolean firstLine = true;
    for (int i = offset; i < end; i++) {
      if (buf[i] != LF) {
        continue;
      }
      int lineEnd = (i > lineStart && buf[i - 1] == CR) ? i - 1 : i;
      if (lineEnd == lineStart) {
        if (firstLine) {
          return new Head(false, 0, -1, "empty start line");
        }
        return new Head(true, i + 1 - offset, contentLength, null);
      }
      if (!firstLine) {
        long value = contentLengthValue(buf, lineStart, lineEnd);
        if (value == BAD) {
          return new Head(false, 0, -1, "malformed Content-Length header");
        }
        if (value >= 0) {
          if (contentLength >= 0 && contentLength != value) {
            return new Head(false, 0, -1, "conflicting Content-Length headers");
          }
          contentLength = value;
        }
      }
      firstLine = false;
      lineStart = i + 1;
    }
    return new Head(false, end - offset, contentLength, null);
  }

  private static final long NOT_CONTENT_LENGTH = -1;
  private static final long BAD = -2;
  // More digits than this cannot be a sane body size and could overflow a long.
  private static final int MAX_DIGITS = 10;

  /** The value if the line is a Content-Length header, NOT_CONTENT_LENGTH if it is another one. */
  private static long contentLengthValue(byte[] buf, int from, int to) {
    int colon = -1;
    for (int i = from; i < to; i++) {
      if (buf[i] == ':') {
        colon = i;
        break;
      }
    }
    if (colon < 0) {
      return NOT_CONTENT_LENGTH; // folded continuation or junk; the SIP parser judges it later
    }
    int nameEnd = colon;
    while (nameEnd > from && isWs(buf[nameEnd - 1])) {
      nameEnd--;
    }
    if (!nameEquals(buf, from, nameEnd, "content-length") && !nameEquals(buf, from, nameEnd, "l")) {
      return NOT_CONTENT_LENGTH;
    }
    int p = colon + 1;
    while (p < to && isWs(buf[p])) {
      p++;
    }
    int q = to;
    while (q > p && isWs(buf[q - 1])) {
      q--;
    }
    if (p == q || q - p > MAX_DIGITS) {
      return BAD;
    }
    long value = 0;
    for (int i = p; i < q; i++) {
      if (buf[i] < '0' || buf[i] > '9') {
        return BAD;
      }
      value = value * 10 + (buf[i] - '0');
    }
    return value;
  }

  private static boolean nameEquals(byte[] buf, int from, int to, String lowerName) {
    if (to - from != lowerName.length()) {
      return false;
    }
    for (int i = 0; i < lowerName.length(); i++) {
      int c = buf[from + i];
      if (c >= 'A' && c <= 'Z') {
        c += 'a' - 'A';
      }
      if (c != lowerName.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static boolean isWs(byte b) {
    return b == ' ' || b == '\t';
  }
}
