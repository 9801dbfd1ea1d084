package io.sbc.protocol;

import gov.nist.javax.sip.header.CSeq;
import gov.nist.javax.sip.header.CallID;
import gov.nist.javax.sip.header.ContentLength;
import gov.nist.javax.sip.header.From;
import gov.nist.javax.sip.header.RequestLine;
import gov.nist.javax.sip.header.StatusLine;
import gov.nist.javax.sip.header.To;
import gov.nist.javax.sip.header.ViaList;
import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import gov.nist.javax.sip.parser.ParseExceptionListener;
import gov.nist.javax.sip.parser.StringMsgParser;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Optional;
import javax.sip.message.Message;
import javax.sip.message.Request;

/**
 * Datagram-level SIP codec on top of the JAIN-SIP RI parser: one byte array is one message.
 *
 * <p>The RI parser is lenient in ways an edge element cannot afford (it silently drops malformed
 * headers when no listener is given, returns null on empty input, accepts any SIP version and
 * recomputes Content-Length from the bytes it got), so this class adds the checks itself. Stateless
 * and thread-safe; {@link #decode} never throws.
 */
public final class SipCodec {

  // The RI parser keeps no per-instance state, so one instance can serve all threads.
  private static final StringMsgParser PARSER = new StringMsgParser();
  private static final int MAX_PHRASE = 100;
  private static final String SIP_VERSION = "SIP/2.0";

  private SipCodec() {}

  /** Decodes one whole datagram. */
  public static DecodeResult decode(byte[] data) {
    if (data == null) {
      return new DecodeResult.Rejected("empty message");
    }
    return decode(data, 0, data.length);
  }

  /** Decodes the message in {@code data[offset, offset+length)}; never throws. */
  public static DecodeResult decode(byte[] data, int offset, int length) {
    try {
      return doDecode(data, offset, length);
    } catch (Throwable t) { // the RI has thrown NPEs and worse on hostile input
      if (t instanceof VirtualMachineError vme && !(t instanceof StackOverflowError)) {
        throw vme;
      }
      return new DecodeResult.Rejected(clean("decoder failure: " + t));
    }
  }

  /** The wire form of a message. */
  public static byte[] encode(Message m) {
    if (!(m instanceof SIPMessage sip)) {
      return m.toString().getBytes(StandardCharsets.UTF_8);
    }
    // Not encodeAsBytes: it overwrites the top Via's transport (and NPEs on null). encodeMessage
    // gives start line and headers up to the empty line; the body is appended as raw bytes so a
    // binary body survives.
    byte[] head = sip.encodeMessage(new StringBuilder(512)).toString().getBytes(StandardCharsets.UTF_8);
    byte[] body = sip.getRawContent();
    if (body == null || body.length == 0) {
      return head;
    }
    byte[] out = new byte[head.length + body.length];
    System.arraycopy(head, 0, out, 0, head.length);
    System.arraycopy(body, 0, out, head.length, body.length);
    return out;
  }

  private static DecodeResult doDecode(byte[] data, int offset, int length) {
    if (data == null || offset < 0 || length < 0 || offset > data.length - length) {
      return new DecodeResult.Rejected("bad buffer bounds");
    }
    int start = offset;
    int end = offset + length;
    // RFC 3261 §7.5: CRLFs before the start line are ignored (also covers keep-alives).
    while (start < end && (data[start] == '\r' || data[start] == '\n')) {
      start++;
    }
    if (isBlank(data, start, end)) {
      return new DecodeResult.Rejected("empty message");
    }
    SipFrameScanner.Head head = SipFrameScanner.scanHead(data, start, end - start, end - start);
    if (head.error() != null) {
      return rejectWithAnswer(head.error(), head.error(), data, start, end);
    }
    int available = head.complete() ? end - start - head.headerLength() : 0;
    if (head.contentLength() > available) {
      return rejectWithAnswer(
          "Content-Length " + head.contentLength() + " larger than the " + available
              + " body bytes present",
          "Content-Length larger than body",
          data, start, end);
    }
    if (head.contentLength() >= 0) {
      // RFC 3261 §18.3: bytes past Content-Length in a datagram are discarded.
      end = start + head.headerLength() + (int) head.contentLength();
    }
    byte[] bytes = unfold(slice(data, start, end), head.complete() ? head.headerLength() : end - start);

    SIPMessage message;
    try {
      message = PARSER.parseSIPMessage(bytes, true, false, REJECTING);
    } catch (Malformed e) {
      return rejectWithAnswer(e.getMessage(), e.getMessage(), bytes, 0, bytes.length);
    } catch (ParseException e) {
      return rejectWithAnswer("unparsable message: " + e.getMessage(), "unparsable message", bytes, 0,
          bytes.length);
    } catch (RuntimeException e) {
      // Some RI header parsers throw instead of reporting (RAck: NumberFormatException on a
      // non-numeric value): a malformed header all the same, answered like one.
      return rejectWithAnswer("malformed header: " + e, "malformed header", bytes, 0, bytes.length);
    }
    if (message == null) {
      return new DecodeResult.Rejected("empty message");
    }
    if (head.contentLength() < 0 && available > 0) {
      // RFC 3261 §18.3: without Content-Length a datagram's body runs to its end; the RI would
      // drop it, so attach it ourselves (this also adds the Content-Length header).
      message.setMessageContent(slice(bytes, head.headerLength(), bytes.length));
    }
    String problem = validate(message, bytes);
    if (problem != null) {
      return withAnswer(problem, problem, message);
    }
    return new DecodeResult.Decoded(message);
  }

  /** Checks the RI leaves to us; the problem or null. */
  private static String validate(SIPMessage m, byte[] wire) {
    // The RI reports every version as SIP/2.0, so look at the start line as received.
    String first = startLine(wire).trim();
    if (m instanceof SIPRequest req) {
      RequestLine line = req.getRequestLine();
      if (line == null || line.getMethod() == null || line.getUri() == null) {
        return "malformed request line";
      }
      if (!endsWithIgnoreCase(first, " " + SIP_VERSION)) {
        return "unsupported SIP version";
      }
    } else {
      if (((SIPResponse) m).getStatusLine() == null) {
        return "malformed status line";
      }
      if (!first.regionMatches(true, 0, SIP_VERSION + " ", 0, SIP_VERSION.length() + 1)) {
        return "unsupported SIP version";
      }
    }
    String missing = missingMandatory(m);
    if (missing != null) {
      return "missing " + missing + " header";
    }
    if (m instanceof SIPRequest req && !req.getMethod().equals(m.getCSeq().getMethod())) {
      return "CSeq method does not match request method";
    }
    return null;
  }

  private static String missingMandatory(SIPMessage m) {
    if (m.getViaHeaders() == null || m.getViaHeaders().isEmpty()) {
      return "Via";
    }
    if (m.getFrom() == null) {
      return "From";
    }
    if (m.getTo() == null) {
      return "To";
    }
    if (m.getCallId() == null) {
      return "Call-ID";
    }
    if (m.getCSeq() == null) {
      return "CSeq";
    }
    return null;
  }

  /** Rejects, answering 400 if a lenient re-parse still yields a request we may answer. */
  private static DecodeResult rejectWithAnswer(
      String reason, String phrase, byte[] data, int start, int end) {
    SIPMessage lenient;
    try {
      // Null listener: the RI drops the bad header and keeps the rest, which is all a 400 needs.
      lenient = PARSER.parseSIPMessage(slice(data, start, end), false, false, null);
    } catch (Exception e) {
      lenient = essentials(data, start, end); // a header parser that throws: what a 400 echoes
    }
    return withAnswer(reason, phrase, lenient);
  }

  private static final java.util.Set<String> ECHOED =
      java.util.Set.of("via", "v", "from", "f", "to", "t", "call-id", "i", "cseq");

  /**
   * The start line and the headers a 400 echoes (RFC 3261 §8.2.6), parsed on their own; null
   * when even those do not parse.
   */
  private static SIPMessage essentials(byte[] data, int start, int end) {
    StringBuilder kept = new StringBuilder();
    String[] lines = new String(data, start, end - start, StandardCharsets.ISO_8859_1).split("\r?\n", -1);
    kept.append(lines[0]).append("\r\n");
    for (int i = 1; i < lines.length && !lines[i].isEmpty(); i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0 && ECHOED.contains(lines[i].substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT))) {
        kept.append(lines[i]).append("\r\n");
      }
    }
    try {
      return PARSER.parseSIPMessage(kept.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1), false,
          false, null);
    } catch (Exception e) {
      return null;
    }
  }

  private static DecodeResult withAnswer(String reason, String phrase, SIPMessage m) {
    Optional<SIPResponse> answer = Optional.empty();
    try {
      if (m instanceof SIPRequest req
          && !Request.ACK.equals(req.getMethod())
          && missingMandatory(req) == null) {
        answer = Optional.of(badRequest(req, phrase));
      }
    } catch (Exception e) {
      answer = Optional.empty(); // a request too broken to answer is dropped like garbage
    }
    return new DecodeResult.Rejected(clean(reason), answer);
  }

  /** RFC 3261 §8.2.6: a 400 echoing Via(s), From, To, Call-ID and CSeq of the request. */
  private static SIPResponse badRequest(SIPRequest req, String what) throws ParseException {
    SIPResponse resp = new SIPResponse();
    resp.setStatusCode(400);
    resp.setReasonPhrase(clean("Bad Request (" + what + ")"));
    resp.setHeader((ViaList) req.getViaHeaders().clone());
    resp.setHeader((From) req.getFrom().clone());
    resp.setHeader((To) req.getTo().clone());
    resp.setHeader((CallID) req.getCallId().clone());
    resp.setHeader((CSeq) req.getCSeq().clone());
    resp.setHeader(new ContentLength(0));
    return resp;
  }

  /** Single line of printable ASCII, bounded, so it is safe in a reason phrase and in logs. */
  static String clean(String s) {
    StringBuilder b = new StringBuilder(Math.min(s.length(), MAX_PHRASE));
    for (int i = 0; i < s.length() && b.length() < MAX_PHRASE; i++) {
      char c = s.charAt(i);
      if (c >= 0x20 && c < 0x7f) {
        b.append(c);
      } else if ((c == '\r' || c == '\n' || c == '\t') && b.length() > 0
          && b.charAt(b.length() - 1) != ' ') {
        b.append(' ');
      }
    }
    String out = b.toString().trim();
    return out.isEmpty() ? "malformed message" : out;
  }

  /**
   * RFC 3261 §7.3.1: a line break followed by SP/HT inside the header section is LWS equal to one
   * SP. The RI deletes such folds outright, gluing words together ("value" + "continued"), so the
   * line break bytes are blanked first. Lengths stay the same; the caller's array is not touched.
   */
  private static byte[] unfold(byte[] wire, int headerLength) {
    byte[] out = wire;
    for (int i = 1; i + 1 < headerLength; i++) {
      if (wire[i] == '\n' && (wire[i + 1] == ' ' || wire[i + 1] == '\t')) {
        if (out == wire) {
          out = wire.clone();
        }
        out[i] = ' ';
        if (wire[i - 1] == '\r') {
          out[i - 1] = ' ';
        }
      }
    }
    return out;
  }

  private static String startLine(byte[] wire) {
    int i = 0;
    while (i < wire.length && wire[i] != '\n') {
      i++;
    }
    return new String(wire, 0, i, StandardCharsets.ISO_8859_1);
  }

  private static boolean endsWithIgnoreCase(String s, String suffix) {
    return s.regionMatches(true, s.length() - suffix.length(), suffix, 0, suffix.length());
  }

  private static boolean isBlank(byte[] data, int from, int to) {
    for (int i = from; i < to; i++) {
      byte c = data[i];
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
        return false;
      }
    }
    return true;
  }

  private static byte[] slice(byte[] data, int from, int to) {
    if (from == 0 && to == data.length) {
      return data;
    }
    byte[] out = new byte[to - from];
    System.arraycopy(data, from, out, 0, out.length);
    return out;
  }

  /** A header the strict parse refused; the message names the header for the 400 phrase. */
  private static final class Malformed extends ParseException {
    Malformed(String what, int offset) {
      super(what, offset);
    }
  }

  private static final ParseExceptionListener REJECTING =
      (ex, msg, headerClass, headerText, messageText) -> {
        throw new Malformed(describe(headerClass, headerText), ex == null ? 0 : ex.getErrorOffset());
      };

  private static String describe(Class<?> headerClass, String headerText) {
    if (headerClass == RequestLine.class) {
      return "malformed request line";
    }
    if (headerClass == StatusLine.class) {
      return "malformed status line";
    }
    String name = null;
    if (headerText != null) {
      int colon = headerText.indexOf(':');
      if (colon > 0) {
        name = headerText.substring(0, colon).trim();
      }
    }
    if (name == null || name.isEmpty() || name.length() > 40 || !name.matches("[A-Za-z0-9!%*_+`'~.-]+")) {
      name = headerClass == null ? "unknown" : headerClass.getSimpleName();
    }
    return "malformed " + name + " header";
  }
}
