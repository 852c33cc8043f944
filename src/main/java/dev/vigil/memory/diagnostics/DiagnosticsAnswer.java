package dev.vigil.memory.diagnostics;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One call of {@code memory.diagnostics.url} and what it answered.
 *
 * @param t           when the call started
 * @param trigger     {@code critical}, {@code recycle} or {@code manual}
 * @param status      the HTTP status, or null when there was no answer
 * @param error       one plain sentence when the call failed (transport, timeout, non-2xx), else null
 * @param durationMs  time until the answer was read or the call gave up
 * @param contentType the answer's content type, or null
 * @param body        the answer's text, at most {@link Diagnostics#MAX_BODY} bytes of it
 * @param bytes       bytes received (at most the cap plus one chunk)
 * @param truncated   the answer was longer than the cap and was cut
 */
public record DiagnosticsAnswer(Instant t, String trigger, Integer status, String error, long durationMs,
                                String contentType, String body, long bytes, boolean truncated) {

  public JsonObject toJson() {
    return new JsonObject().put("t", t.toString()).put("trigger", trigger).put("status", status).put("error", error)
        .put("duration_ms", durationMs).put("content_type", contentType).put("bytes", bytes)
        .put("truncated", truncated).put("body", body);
  }
}
