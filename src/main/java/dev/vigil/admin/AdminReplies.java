package dev.vigil.admin;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/** Writes admin answers. */
public final class AdminReplies {

  private AdminReplies() {
  }

  public static void json(HttpServerRequest request, int status, JsonObject body) {
    Buffer buffer = body.toBuffer();
    request.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(buffer);
  }

  public static void text(HttpServerRequest request, int status, String contentType, Buffer body) {
    request.response()
        .setStatusCode(status)
        .putHeader(HttpHeaders.CONTENT_TYPE, contentType)
        .putHeader(HttpHeaders.CACHE_CONTROL, "no-store")
        .end(body);
  }
}
