package io.sbc.gateway;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;

/**
 * What metrics may say about one SIP message: its method (a request's own, a response's from its
 * CSeq) out of a fixed set, and for a response its status class. Nothing else from the wire (no
 * Call-ID, URI, user or tag) becomes a label, and a method outside the set is {@code OTHER}, so
 * the number of series stays bounded whatever peers send.
 */
public record MessageLabels(Method method, StatusClass status) {

  /** The methods counted by name (RFC 3261, 3262, 3265, 3311, 3428, 3515, 6086); anything else is OTHER. */
  public enum Method {
    INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, PRACK, INFO, REFER, NOTIFY, SUBSCRIBE, MESSAGE, REGISTER, OTHER;

    private static final Method[] NAMED = {
      INVITE, ACK, BYE, CANCEL, OPTIONS, UPDATE, PRACK, INFO, REFER, NOTIFY, SUBSCRIBE, MESSAGE, REGISTER
    };

    /** A method token as it came (methods are case-sensitive, RFC 3261 §7.1); unknown or null: OTHER. */
    public static Method of(String token) {
      if (token != null) {
        for (Method m : NAMED) {
          if (m.name().equals(token)) {
            return m;
          }
        }
      }
      return OTHER;
    }

    /** The token in {@code bytes[from, to)}, compared without making a string. */
    static Method of(byte[] bytes, int from, int to) {
      candidates:
      for (Method m : NAMED) {
        String name = m.name();
        if (name.length() != to - from) {
          continue;
        }
        for (int i = 0; i < name.length(); i++) {
          if (bytes[from + i] != name.charAt(i)) {
            continue candidates;
          }
        }
        return m;
      }
      return OTHER;
    }

    public String label() {
      return this == OTHER ? "other" : name();
    }
  }

  /** Requests have none; a response's class is its first digit, anything outside 1xx-6xx OTHER. */
  public enum StatusClass {
    NONE(""), C1XX("1xx"), C2XX("2xx"), C3XX("3xx"), C4XX("4xx"), C5XX("5xx"), C6XX("6xx"), OTHER("other");

    private final String label;

    StatusClass(String label) {
      this.label = label;
    }

    public static StatusClass ofCode(int code) {
      return code >= 100 && code <= 699 ? values()[code / 100] : OTHER;
    }

    public String label() {
      return label;
    }
  }

  public boolean request() {
    return status == StatusClass.NONE;
  }

  /** {@code request} or {@code response}. */
  public String kind() {
    return request() ? "request" : "response";
  }

  /** Labels of a parsed message. */
  public static MessageLabels of(SIPMessage message) {
    if (message instanceof SIPRequest req) {
      return new MessageLabels(Method.of(req.getMethod()), StatusClass.NONE);
    }
    SIPResponse resp = (SIPResponse) message;
    return new MessageLabels(Method.of(resp.getCSeq() == null ? null : resp.getCSeq().getMethod()),
        StatusClass.ofCode(resp.getStatusCode()));
  }

  /** Labels of a message in its wire form (what the gateway is asked to send), by a plain scan. */
  public static MessageLabels ofWire(byte[] bytes) {
    return WireScan.labels(bytes);
  }
}
