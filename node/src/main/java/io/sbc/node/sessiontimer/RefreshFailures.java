package io.sbc.node.sessiontimer;

import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.node.dialog.CallState;
import io.sbc.node.dialog.Leg.Side;
import io.sbc.node.dialog.SessionTimer;
import io.sbc.node.transaction.ClientTransaction;
import io.sbc.node.transaction.TimerKey;
import io.sbc.node.transaction.TimerKey.SessionRefresh;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BiConsumer;
import org.slf4j.Logger;

/**
 * What becomes of a call when the SBC's own session refresh on a leg fails: 408/481 or no answer
 * end it (RFC 4028 §10, RFC 3261 §12.2.1.2), glare (491) and a refused UPDATE are retried, and
 * any other refusal leaves the leg to its deadline (or, on a leg the SBC only keeps alive, to
 * the next refresh).
 */
final class RefreshFailures {
  private final String entityId;
  private final CallState call;
  private final Map<Side, SessionTimer> timers;
  private final BiConsumer<TimerKey, Long> start;
  private final Logger log;

  RefreshFailures(String entityId, CallState call, Map<Side, SessionTimer> timers, BiConsumer<TimerKey, Long> start,
      Logger log) {
    this.entityId = entityId;
    this.call = call;
    this.timers = timers;
    this.start = start;
    this.log = log;
  }

  /** A final non-2xx to the SBC's own refresh; returns why the call must end, if it must. */
  Optional<String> rejected(ClientTransaction ct, SIPResponse resp) {
    int status = resp.getStatusCode();
    if (status == 408 || status == 481) {
      // RFC 3261 §12.2.1.2: the dialog is gone on that side.
      return failed(ct, status + " " + resp.getReasonPhrase());
    }
    if (!call.confirmed()) {
      return Optional.empty();
    }
    if (status == 491) {
      // §14.1: the owner of the Call-ID (the SBC, on B) waits 2.1-4 s, the other 0-2 s.
      long wait = ct.side() == Side.B
          ? ThreadLocalRandom.current().nextLong(210, 401) * 10
          : ThreadLocalRandom.current().nextLong(0, 201) * 10;
      log.debug("call {}: refresh on leg {} met glare; retrying in {} ms", entityId, ct.side(), wait);
      call.trail().add("the SBC's refresh on leg " + ct.side() + " met glare (491); again in " + wait + " ms");
      start.accept(new SessionRefresh(ct.side()), wait);
    } else if ((status == 405 || status == 501) && ct.method().equals("UPDATE")) {
      SessionTimer t = timers.get(ct.side());
      if (t != null) {
        timers.put(ct.side(), t.withoutUpdate());
        start.accept(new SessionRefresh(ct.side()), 0L);
      }
    } else if (timers.get(ct.side()) != null && timers.get(ct.side()).keepAliveOnly()) {
      // The peer runs no timer: its refusal only says it did not take this refresh; the leg lives on.
      SessionTimer t = timers.get(ct.side());
      log.info("call {}: keep-alive refresh on leg {} answered {}; the call goes on", entityId, ct.side(), status);
      start.accept(new SessionRefresh(ct.side()), t.refreshDueMillis() - t.refreshedAtMillis());
    } else {
      log.info("call {}: session refresh on leg {} answered {}; the session expires at its deadline unless refreshed",
          entityId, ct.side(), status);
    }
    return Optional.empty();
  }

  /** The SBC's own refresh got no usable answer; returns why the call must end. */
  Optional<String> failed(ClientTransaction ct, String what) {
    if (!call.confirmed()) {
      return Optional.empty();
    }
    log.info("call {}: session refresh on leg {} failed: {}; ending the call", entityId, ct.side(), what);
    return Optional.of("session refresh failed on leg " + ct.side());
  }
}
