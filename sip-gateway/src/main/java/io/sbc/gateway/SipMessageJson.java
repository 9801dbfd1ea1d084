package io.sbc.gateway;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import gov.nist.javax.sip.message.SIPMessage;
import io.sbc.protocol.DecodeResult;
import io.sbc.protocol.SipCodec;
import java.io.IOException;

/**
 * SIP messages cross nodes in their wire form: the bytes the codec would send, parsed once on
 * the receiving node. A local hand-off never serializes and passes the parsed object.
 */
public final class SipMessageJson {
  private SipMessageJson() {}

  public static final class Writer extends JsonSerializer<SIPMessage> {
    @Override
    public void serialize(SIPMessage value, JsonGenerator gen, SerializerProvider serializers)
        throws IOException {
      gen.writeBinary(SipCodec.encode(value));
    }
  }

  public static final class Reader extends JsonDeserializer<SIPMessage> {
    @Override
    public SIPMessage deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      DecodeResult result = SipCodec.decode(p.getBinaryValue());
      if (result instanceof DecodeResult.Decoded decoded) {
        return decoded.message();
      }
      throw new IOException(
          "SIP message from another node does not parse: "
              + ((DecodeResult.Rejected) result).reason());
    }
  }
}
