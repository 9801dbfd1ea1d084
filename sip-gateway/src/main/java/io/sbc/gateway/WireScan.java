package io.sbc.gateway;

import io.sbc.gateway.MessageLabels.Method;
import io.sbc.gateway.MessageLabels.StatusClass;

/**
 * The start line and the CSeq method of an encoded SIP message, found without parsing it: the
 * gateway sends bytes, and counting them by method must not cost a parse per message.
 */
final class WireScan {
  private static final byte[] SIP_VERSION = {'S', 'I', 'P', '/', '2', '.', '0', ' '};
  private static final MessageLabels UNKNOWN_REQUEST = new MessageLabels(Method.OTHER, StatusClass.NONE);

  private WireScan() {}

  static MessageLabels labels(byte[] d) {
    if (startsWith(d, SIP_VERSION)) {
      int at = SIP_VERSION.length;
      int code = at + 3 <= d.length && digit(d[at]) && digit(d[at + 1]) && digit(d[at + 2])
          ? (d[at] - '0') * 100 + (d[at + 1] - '0') * 10 + (d[at + 2] - '0')
          : -1;
      return new MessageLabels(cseqMethod(d), StatusClass.ofCode(code));
    }
    int space = indexOf(d, (byte) ' ', 0, d.length);
    return space <= 0 || space >= d.length ? UNKNOWN_REQUEST : new MessageLabels(Method.of(d, 0, space), StatusClass.NONE);
  }

  /** The method token of the CSeq header ({@code CSeq: 2 INVITE}); OTHER when there is none. */
  private static Method cseqMethod(byte[] d) {
    int i = 0;
    while (i < d.length) {
      int lineStart = i;
      int lineEnd = indexOf(d, (byte) '\n', i, d.length);
      i = lineEnd + 1;
      int end = lineEnd > lineStart && d[lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd;
      if (end == lineStart && lineStart > 0) {
        return Method.OTHER; // empty line: end of the headers
      }
      int colon = indexOf(d, (byte) ':', lineStart, end);
      if (colon < end && isCseq(d, lineStart, colon)) {
        int k = skip(d, colon + 1, end, false); // blanks
        k = skip(d, k, end, true); // the sequence number
        k = skip(d, k, end, false);
        int tokenEnd = k;
        while (tokenEnd < end && d[tokenEnd] != ' ' && d[tokenEnd] != '\t') {
          tokenEnd++;
        }
        return Method.of(d, k, tokenEnd);
      }
    }
    return Method.OTHER;
  }

  private static boolean isCseq(byte[] d, int from, int colon) {
    int to = colon;
    while (to > from && (d[to - 1] == ' ' || d[to - 1] == '\t')) {
      to--;
    }
    return to - from == 4
        && (d[from] | 0x20) == 'c' && (d[from + 1] | 0x20) == 's'
        && (d[from + 2] | 0x20) == 'e' && (d[from + 3] | 0x20) == 'q';
  }

  /** Skips blanks, or (with {@code nonBlank}) the next run of non-blank bytes. */
  private static int skip(byte[] d, int k, int end, boolean nonBlank) {
    while (k < end && ((d[k] == ' ' || d[k] == '\t') != nonBlank)) {
      k++;
    }
    return k;
  }

  private static boolean digit(byte b) {
    return b >= '0' && b <= '9';
  }

  private static boolean startsWith(byte[] d, byte[] prefix) {
    if (d.length < prefix.length) {
      return false;
    }
    for (int i = 0; i < prefix.length; i++) {
      if (d[i] != prefix[i]) {
        return false;
      }
    }
    return true;
  }

  private static int indexOf(byte[] d, byte b, int from, int to) {
    for (int k = from; k < to; k++) {
      if (d[k] == b) {
        return k;
      }
    }
    return to;
  }
}
