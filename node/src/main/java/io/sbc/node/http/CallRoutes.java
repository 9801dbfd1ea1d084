package io.sbc.node.http;

import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.delete;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.onComplete;
import static org.apache.pekko.http.javadsl.server.Directives.parameterOptional;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static io.sbc.node.http.JsonReplies.JSON;
import static io.sbc.node.http.JsonReplies.error;
import static io.sbc.node.http.JsonReplies.json;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sbc.node.call.CallEntity;
import io.sbc.node.call.CallView;
import io.sbc.node.call.HangUpResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.typed.ShardingEnvelope;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /sbc/calls} (this node's calls, paged; {@code ?cluster=true}: every node's),
 * {@code GET /sbc/calls/{id}} and {@code DELETE /sbc/calls/{id}} (BYE on both legs). A call is
 * asked through sharding wherever it lives; a call that is not live here but in the journal is
 * recovered by the asking.
 */
final class CallRoutes {
  private static final Duration ASK = Duration.ofSeconds(5);
  static final int DEFAULT_PAGE = 100;
  static final int MAX_PAGE = 1000;

  private CallRoutes() {}

  /** The routes; {@code parts} gives the node's parts (or a 503), {@code write} wraps a write in the admin-token check. */
  static Route routes(Function<Function<ManagementContext.Parts, Route>, Route> parts,
      Function<Supplier<Route>, Route> write) {
    Route list = get(() -> parameterOptional("offset", offset -> parameterOptional("limit", limit ->
        parameterOptional("cluster", cluster -> parts.apply(p -> list(p, offset, limit, cluster))))));
    return pathPrefix("calls", () -> concat(
        pathEnd(() -> list),
        path(PathMatchers.segment(), id -> concat(
            get(() -> parts.apply(p -> show(p, id))),
            delete(() -> write.apply(() -> parts.apply(p -> hangUp(p, id))))))));
  }

  private static Route show(ManagementContext.Parts p, String id) {
    return onComplete(describe(p, id), view -> {
      if (view.isFailure()) {
        return error(StatusCodes.SERVICE_UNAVAILABLE, "the call did not answer: " + view.failed().get().getMessage());
      }
      return view.get().exists()
          ? json(StatusCodes.OK, JSON.valueToTree(view.get()))
          : error(StatusCodes.NOT_FOUND, "no call " + id);
    });
  }

  private static Route hangUp(ManagementContext.Parts p, String id) {
    CompletionStage<HangUpResult> asked = AskPattern.ask(p.calls(),
        replyTo -> new ShardingEnvelope<>(id, new CallEntity.HangUp("hung up over HTTP", replyTo)),
        ASK, p.system().scheduler());
    return onComplete(asked, result -> {
      if (result.isFailure()) {
        return error(StatusCodes.SERVICE_UNAVAILABLE, "the call did not answer: " + result.failed().get().getMessage());
      }
      HangUpResult r = result.get();
      if (r.hungUp()) {
        return json(StatusCodes.OK, JSON.createObjectNode().put("id", id).put("hung-up", true));
      }
      return r.phase().equals("CALLING")
          ? error(StatusCodes.CONFLICT, "call " + id + " is not established yet (ringing)")
          : error(StatusCodes.NOT_FOUND, "no call " + id);
    });
  }

  private static Route list(ManagementContext.Parts p, Optional<String> offsetText, Optional<String> limitText,
      Optional<String> cluster) {
    int offset;
    int limit;
    try {
      offset = Integer.parseInt(offsetText.orElse("0"));
      limit = Integer.parseInt(limitText.orElse(Integer.toString(DEFAULT_PAGE)));
    } catch (NumberFormatException e) {
      return error(StatusCodes.BAD_REQUEST, "offset and limit must be whole numbers");
    }
    if (offset < 0 || limit < 1 || limit > MAX_PAGE) {
      return error(StatusCodes.BAD_REQUEST, "offset must be >= 0 and limit between 1 and " + MAX_PAGE);
    }
    boolean wholeCluster = cluster.map(Boolean::parseBoolean).orElse(false);
    CompletionStage<List<String>> ids = wholeCluster ? CallDirectory.cluster(p.system()) : CallDirectory.local(p.system());
    CompletionStage<ObjectNode> page = ids.thenCompose(all -> {
      List<String> slice = all.subList(Math.min(offset, all.size()), Math.min(offset + limit, all.size()));
      List<CompletableFuture<CallView>> views = new ArrayList<>();
      for (String id : slice) {
        views.add(describe(p, id).toCompletableFuture().exceptionally(e -> null));
      }
      return CompletableFuture.allOf(views.toArray(CompletableFuture[]::new)).thenApply(done -> {
        ObjectNode out = JSON.createObjectNode();
        out.put("scope", wholeCluster ? "cluster" : "node").put("entities", all.size())
            .put("offset", offset).put("limit", limit);
        ArrayNode calls = out.putArray("calls");
        for (CompletableFuture<CallView> v : views) {
          CallView view = v.join();
          if (view != null && view.exists()) {
            calls.addObject().put("id", view.id()).put("phase", view.phase()).put("route", view.route())
                .put("policy", view.policy())
                .put("a", view.a() == null ? null : view.a().callId())
                .put("b", view.b() == null ? null : view.b().callId());
          }
        }
        return out;
      });
    });
    return onComplete(page, out -> out.isSuccess()
        ? json(StatusCodes.OK, out.get())
        : error(StatusCodes.SERVICE_UNAVAILABLE, "could not list the calls: " + out.failed().get().getMessage()));
  }

  private static CompletionStage<CallView> describe(ManagementContext.Parts p, String id) {
    return AskPattern.ask(p.calls(), replyTo -> new ShardingEnvelope<>(id, new CallEntity.Describe(replyTo)),
        ASK, p.system().scheduler());
  }
}
