package io.sbc.gateway;

import gov.nist.javax.sip.message.SIPMessage;
import io.sbc.gateway.tls.SipTls;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A started gateway on loopback whose sink queues what it receives; closed by the test. */
final class TestGateway implements AutoCloseable {
  record Received(SIPMessage message, Flow flow) {}

  final BlockingQueue<Received> inbound = new LinkedBlockingQueue<>();
  final GatewayStats stats = new GatewayStats();
  final SipGateway gateway;
  final GatewaySettings settings;

  TestGateway(GatewaySettings settings) throws Exception {
    this.settings = settings;
    gateway = new SipGateway(settings, SipTls.load(settings.tls()), (m, f, at) -> inbound.add(new Received(m, f)),
        stats, new AdmissionControl(0, 5));
    gateway.start(null);
  }

  Received next() throws InterruptedException {
    Received r = inbound.poll(5, TimeUnit.SECONDS);
    if (r == null) {
      throw new AssertionError("nothing reached the gateway's sink");
    }
    return r;
  }

  @Override
  public void close() {
    gateway.close();
  }
}
