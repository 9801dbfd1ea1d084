package io.sbc.node.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.server.Route;

/** The JSON of the SBC's routes: one mapper, a body with a status, and {@code {"error": ...}}. */
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
}
