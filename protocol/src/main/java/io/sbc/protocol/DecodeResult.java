package io.sbc.protocol;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPResponse;
import java.util.Objects;
import java.util.Optional;

/** Outcome of decoding one SIP message: either a parsed message or a reason it was refused. */
public sealed interface DecodeResult permits DecodeResult.Decoded, DecodeResult.Rejected {

  /** A message that parsed and carries all mandatory headers. */
  record Decoded(SIPMessage message) implements DecodeResult {
    public Decoded {
      Objects.requireNonNull(message, "message");
    }
  }

  /**
   * A refused message. {@code answer} is a ready 400 when the input was a non-ACK request whose
   * Via, From, To, Call-ID and CSeq could still be recovered; otherwise the input is just dropped.
   */
  record Rejected(String reason, Optional<SIPResponse> answer) implements DecodeResult {
    public Rejected {
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(answer, "answer");
    }

    public Rejected(String reason) {
      this(reason, Optional.empty());
    }
  }
}
