package io.sbc.node.interop;

import gov.nist.javax.sip.message.SIPMessage;
import io.sbc.node.dialog.SipFields;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The privacy a message asks for (RFC 3323 §4.2 priv-values, {@code id} of RFC 3325 §9.3, {@code
 * history} of RFC 7044 §10.1). Unknown values are ignored, as RFC 3323 §4.2 lets a privacy service
 * ignore what it does not understand; several Privacy headers add up.
 */
public record Privacy(Set<String> values) {
  public static final Privacy NONE = new Privacy(Set.of());

  public Privacy {
    values = Set.copyOf(values);
  }

  /** The union of the message's Privacy headers ({@code none} cancels nothing else: RFC 3323 forbids mixing it). */
  public static Privacy of(SIPMessage msg) {
    Set<String> out = new TreeSet<>();
    for (String header : SipFields.headerValues(msg, "Privacy")) {
      for (String v : header.split("[;,]")) { // ',' is not the RFC's separator, but seen in the wild
        String token = v.trim().toLowerCase(Locale.ROOT);
        if (!token.isEmpty()) {
          out.add(token);
        }
      }
    }
    return out.isEmpty() ? NONE : new Privacy(out);
  }

  /** {@code id}: hide the asserted identity (P-Asserted-Identity) from untrusted peers. */
  public boolean id() {
    return values.contains("id");
  }

  /** {@code user} or {@code header}: hide who the caller is in From (RFC 3323 §4.2, §5.3). */
  public boolean anonymousFrom() {
    return values.contains("user") || values.contains("header");
  }

  /** {@code header}: remove the headers that reveal the user or their host (RFC 3323 §5.1). */
  public boolean header() {
    return values.contains("header");
  }

  /** {@code history} or {@code header}: no History-Info to untrusted peers (RFC 7044 §10.1.2). */
  public boolean history() {
    return values.contains("history") || values.contains("header");
  }

  /** {@code session} with {@code critical}: the media would have to be anonymised, which the SBC does not do. */
  public boolean criticalSession() {
    return values.contains("session") && values.contains("critical");
  }
}
