package io.sbc.loadtests;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** The node's management HTTP API as an operator's script uses it: JSON, bearer token for writes. */
final class ManagementHttp {
  private ManagementHttp() {}

  /** {@code method path} on the node; {@code token} and {@code body} may be null. */
  static HttpResponse<String> call(NodeProcess n, String method, String path, String token, String body)
      throws Exception {
    HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(n.scheme + "://127.0.0.1:" + n.httpPort + path))
        .timeout(Duration.ofSeconds(10))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      req.header("Content-Type", "application/json");
    }
    if (token != null) {
      req.header("Authorization", "Bearer " + token);
    }
    return n.http.send(req.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Polls {@code GET path} until its body contains {@code part} (at most {@code limit}); fails otherwise. */
  static void awaitBody(NodeProcess n, String path, String part, Duration limit) throws Exception {
    String last = "";
    long end = System.currentTimeMillis() + limit.toMillis();
    while (System.currentTimeMillis() < end) {
      last = call(n, "GET", path, null, null).body();
      if (last.contains(part)) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("GET " + path + " never showed " + part + " within " + limit + ", last: " + last);
  }

  /** Whether the node answers {@code /ready} with 200 now (false when it does not answer at all). */
  static boolean ready(NodeProcess n) {
    try {
      return call(n, "GET", "/ready", null, null).statusCode() == 200;
    } catch (Exception notListening) {
      return false;
    }
  }
}
