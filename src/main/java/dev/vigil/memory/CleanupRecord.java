package dev.vigil.memory;

import io.vertx.core.json.JsonObject;
import java.time.Instant;

/**
 * One call of the application's cleanup endpoint.
 *
 * @param t          when it was sent
 * @param trigger    {@code auto} (entering warning/critical) or {@code manual} (POST /sidecar/memory/cleanup)
 * @param status     HTTP status answered, or null when there was no answer
 * @param error      what went wrong (transport error, timeout or non-2xx), or null on success
 * @param rssBeforeMiB rss of the newest sample before the call, or null
 * @param freedMiB   rss before minus the first sample after the answer; null until that sample arrives
 */
public record CleanupRecord(Instant t, String trigger, Integer status, String error, Double rssBeforeMiB,
    Double freedMiB) {

  public static final String AUTO = "auto";
  public static final String MANUAL = "manual";

  /** True when the endpoint answered 2xx. */
  public boolean succeeded() {
    return error == null;
  }

  CleanupRecord withFreed(double freed) {
    return new CleanupRecord(t, trigger, status, error, rssBeforeMiB, freed);
  }

  /** {@code {"t","trigger","status","error","ok","rss_before_mib","freed_mib"}}. */
  public JsonObject toJson() {
    return new JsonObject()
        .put("t", t.toString())
        .put("trigger", trigger)
        .put("status", status)
        .put("ok", succeeded())
        .put("error", error)
        .put("rss_before_mib", MemoryJson.round(rssBeforeMiB))
        .put("freed_mib", MemoryJson.round(freedMiB));
  }
}
