package io.sbc.node.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.onComplete;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The JSON of the SBC's routes: one mapper, a body with a status, {@code {"error": ...}}, reading a
 * request's JSON object, and the answer to a write into a cluster-wide store.
 */
final class JsonReplies {
  static final ObjectMapper JSON = new ObjectMapper();

  private JsonReplies() {}

  static Route json(StatusCode status, JsonNode body) {
    return complete(HttpResponse.create().withStatus(status).withEntity(ContentTypes.APPLICATION_JSON, body.toString()));
  }

  static Route error(StatusCode status, String message) {
    return complete(errorResponse(status, message));
  }

  static HttpResponse errorResponse(StatusCode status, String message) {
    return HttpResponse.create().withStatus(status)
        .withEntity(ContentTypes.APPLICATION_JSON, JSON.createObjectNode().put("error", message).toString());
  }

  /** The request's body as a JSON object; {@code 400} when it is not JSON or not an object. */
  static Route jsonBody(Function<JsonNode, Route> then) {
    return entity(Unmarshaller.entityToString(), text -> {
      JsonNode body;
      try {
        body = JSON.readTree(text);
      } catch (JsonProcessingException e) {
        return error(StatusCodes.BAD_REQUEST, "body is not JSON: " + e.getOriginalMessage());
      }
      return body != null && body.isObject() ? then.apply(body) : error(StatusCodes.BAD_REQUEST, "body must be a JSON object");
    });
  }

  /**
   * Completes once a cluster-wide store has the change (a majority of nodes holds it): {@code then}
   * with its result; {@code 400} when the store refused it as invalid against the value in force
   * (nothing written); {@code 503} when it is not known to be stored.
   */
  static <T> Route stored(CompletionStage<T> write, Function<T, Route> then) {
    return onComplete(write, done -> {
      if (done.isSuccess()) {
        return then.apply(done.get());
      }
      Throwable why = cause(done.failed().get());
      return why instanceof IllegalArgumentException
          ? error(StatusCodes.BAD_REQUEST, why.getMessage())
          : error(StatusCodes.SERVICE_UNAVAILABLE, "not stored cluster-wide: " + why.getMessage());
    });
  }

  static Throwable cause(Throwable t) {
    while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }
}
