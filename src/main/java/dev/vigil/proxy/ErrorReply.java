package dev.vigil.proxy;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/** Answers Vigil makes itself: always {@code {"error": "...", "status": N}} as JSON. */
public final class ErrorReply {

  static final CharSequence JSON = HttpHeaders.createOptimized("application/json");

  private ErrorReply() {
  }

  /** The JSON body for {@code status} with a human-readable {@code message}. */
  public static Buffer body(int status, String message) {
    StringBuilder sb = new StringBuilder(message.length() + 32).append("{\"error\":\"");
    for (int i = 0; i < message.length(); i++) {
      char c = message.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return Buffer.buffer(sb.append("\",\"status\":").append(status).append('}').toString());
  }

  /** The size of the body {@link #send} writes, so callers can count it before sending. */
  public static int length(int status, String message) {
    return body(status, message).length();
  }

  /**
   * Sends the error unless a response has already started. With {@code close} the connection is
   * closed after the answer: used whenever the request body was not consumed, or the framing of
   * the connection can no longer be trusted.
   */
  public static Future<Void> send(HttpServerRequest request, int status, String message, boolean close) {
    HttpServerResponse response = request.response();
    if (response.headWritten() || response.ended() || response.closed()) {
      return Future.succeededFuture();
    }
    Buffer body = body(status, message);
    response.setStatusCode(status)
        .setStatusMessage(HttpResponseStatus.valueOf(status).reasonPhrase())
        .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
        .putHeader(HttpHeaders.CONTENT_LENGTH, String.valueOf(body.length()))
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
    if (close) {
      response.putHeader(HttpHeaders.CONNECTION, HttpHeaders.CLOSE);
    }
    Future<Void> done = response.end(body);
    if (close) {
      done.onComplete(ar -> request.connection().close());
    }
    return done;
  }
}
