package io.sbc.node.call;

import gov.nist.javax.sip.message.SIPMessage;
import gov.nist.javax.sip.message.SIPRequest;
import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.gateway.AdmissionControl;
import io.sbc.gateway.Flow;
import io.sbc.gateway.GatewayCommand;
import io.sbc.node.transaction.SipBuilder;
import io.sbc.protocol.SipCodec;
import java.text.ParseException;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers an out-of-dialog OPTIONS (RFC 3261 §11) where it was decoded, without a call entity: the
 * keep-alive probes of the front and of trunk peers. Going through sharding and an entity made a
 * probe's answer as slow as the slowest call on a busy node, so the front took healthy nodes out of
 * rotation, all of them at once under load (and then dropped ACKs for want of a node). The answer
 * says what the SBC implements (200 with Allow, Supported, Accept); while the node drains for a
 * shutdown or upgrade it is 503 with Retry-After, so that the front stops sending it new calls.
 * An OPTIONS with a {@code Require} goes to an entity as before, which answers 420 when needed.
 */
public final class OptionsProbes {
  private static final Logger log = LoggerFactory.getLogger(OptionsProbes.class);

  private final SipBuilder build;
  private final AdmissionControl admission;
  private final LongAdder answered = new LongAdder();

  public OptionsProbes(SipBuilder build, AdmissionControl admission) {
    this.build = build;
    this.admission = admission;
  }

  /** True when {@code message} was such an OPTIONS and has been answered on its flow. */
  public boolean answered(SIPMessage message, Flow flow) {
    if (!(message instanceof SIPRequest request) || !request.getMethod().equals("OPTIONS")
        || request.getToTag() != null || request.getHeader("Require") != null) {
      return false;
    }
    try {
      SIPResponse resp = admission.draining()
          ? request.createResponse(503, "Service Unavailable (draining)")
          : request.createResponse(200, "OK");
      resp.getTo().setTag(SipBuilder.newTag());
      if (resp.getStatusCode() == 503) {
        build.setHeader(resp, "Retry-After", Integer.toString(admission.retryAfterSeconds()));
      } else {
        build.advertiseCapabilities(resp); // as the entities do (RequestScreening)
      }
      flow.gateway().tell(new GatewayCommand.Send(flow, SipCodec.encode(resp), null, null));
      answered.increment();
      return true;
    } catch (ParseException | RuntimeException e) {
      log.info("OPTIONS from {} left to a call entity: {}", flow, e.toString());
      return false;
    }
  }

  /** OPTIONS answered here since the start. */
  public long answeredCount() {
    return answered.sum();
  }
}
