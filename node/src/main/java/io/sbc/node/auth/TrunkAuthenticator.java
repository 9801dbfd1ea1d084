package io.sbc.node.auth;

import gov.nist.javax.sip.message.SIPResponse;
import io.sbc.node.dialog.CallState;
import io.sbc.node.dialog.Leg.Side;
import io.sbc.node.dialog.SipFields;
import io.sbc.node.routing.RouteTable;
import io.sbc.node.routing.TrunkAuth;
import io.sbc.node.transaction.ClientTransaction;
import io.sbc.node.transaction.SipBuilder;
import io.sbc.node.transaction.TransactionLayer;
import java.util.Comparator;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;

/**
 * Answers a 401/407 of a call's next hop with the route's credentials (RFC 3261 §22.2): the request
 * goes again on the B-leg as a new transaction (same Call-ID and tags, the leg's next CSeq, a new
 * branch, §8.1.3.5) with an Authorization or Proxy-Authorization for that challenge, and the
 * caller never sees the challenge. One answer per kind: a request that already carries the SBC's
 * answer and is challenged again gets no second one (no loop), the failure then goes to the caller.
 */
public final class TrunkAuthenticator {
  private final String entityId;
  private final CallState call;
  private final TransactionLayer tx;
  private final SipBuilder build;
  private final Supplier<RouteTable> routes;
  private final Function<String, String> environment;
  private final Logger log;

  /** {@code environment} reads a variable (System::getenv; tests give their own). */
  public TrunkAuthenticator(String entityId, CallState call, TransactionLayer tx, SipBuilder build,
      Supplier<RouteTable> routes, Function<String, String> environment, Logger log) {
    this.entityId = entityId;
    this.call = call;
    this.tx = tx;
    this.build = build;
    this.routes = routes;
    this.environment = environment;
    this.log = log;
  }

  /** The route's credentials, when the call goes over a route that has them. */
  public Optional<TrunkAuth> credentials() {
    return routes.get().named(call.route()).flatMap(RouteTable.Route::auth);
  }

  /** Whether {@code resp} is a challenge to {@code ct} that was answered here (the request went again). */
  public boolean answered(ClientTransaction ct, SIPResponse resp) throws Exception {
    int status = resp.getStatusCode();
    if ((status != 401 && status != 407) || ct.side() != Side.B || ct.method().equals("CANCEL")
        || ct.method().equals("ACK")) {
      return false;
    }
    Optional<TrunkAuth> auth = credentials();
    if (auth.isEmpty()) {
      return false;
    }
    String answerHeader = status == 401 ? "Authorization" : "Proxy-Authorization";
    if (ct.request().getHeader(answerHeader) != null) {
      log.info("call {}: the next hop rejected the SBC's credentials for {} ({} again)", entityId, ct.method(), status);
      call.trail().add("next hop challenged the SBC's " + answerHeader + " again (" + status + "): not answered twice");
      return false;
    }
    TrunkAuth credentials = auth.get();
    Optional<DigestChallenge> challenge = SipFields.headerValues(resp, status == 401 ? "WWW-Authenticate" : "Proxy-Authenticate")
        .stream()
        .map(DigestChallenge::parse)
        .flatMap(Optional::stream)
        .filter(c -> DigestClient.supports(c) && credentials.answers(c.realm()))
        .max(Comparator.comparingInt(TrunkAuthenticator::strength)); // RFC 7616 §3.7: the strongest we know
    if (challenge.isEmpty()) {
      log.warn("call {}: {} from the next hop has no digest challenge the SBC can answer for route {}", entityId, status,
          call.route());
      return false;
    }
    String password = environment.apply(credentials.passwordEnv());
    if (password == null) {
      log.warn("call {}: route {} authenticates with the password in ${}, which is not set on this node", entityId,
          call.route(), credentials.passwordEnv());
      return false;
    }
    DigestChallenge c = challenge.get();
    String uri = ct.request().getRequestURI().toString();
    String value = DigestClient.authorization(c, credentials.username(), password, ct.method(), uri,
        ct.request().getRawContent(), DigestClient.newCnonce(), 1);
    tx.sendAgain(ct, call.leg(Side.B), ct.retries(), again -> build.setHeader(again, answerHeader, value));
    call.trail().add(ct.method() + " challenged by the next hop (" + status + ", realm " + c.realm() + ", "
        + c.algorithm() + "): sent again with the route's credentials");
    log.debug("call {}: answered the next hop's {} to {} as {}", entityId, status, ct.method(), credentials.username());
    return true;
  }

  private static int strength(DigestChallenge c) {
    String hash = DigestClient.hashOf(c.algorithm()).orElse("");
    return hash.equals("MD5") ? 0 : 1;
  }
}
