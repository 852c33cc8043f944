package dev.vigil.app.recycle;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * One recycle, as the health {@code app.recycles.last} block shows it.
 *
 * @param t            when it started
 * @param reason       why, in plain words
 * @param path         overlap or hold
 * @param pathReason   why that path, in plain words ("... fits under the 512 MiB limit"), or null
 * @param rssBeforeMiB the old child's memory when it started, or null when unreadable
 * @param rssAfterMiB  the new child's memory when it ended, or null when unreadable
 * @param duration     from start to the old child gone (overlap) or the gate open again (hold)
 * @param held         requests that waited in the hold gate meanwhile
 * @param failed       requests answered 5xx meanwhile (by the app or by Vigil)
 * @param error        why the recycle did not complete (the new child never answered), else null
 */
public record RecycleRecord(Instant t, String reason, RecyclePath path, String pathReason, Double rssBeforeMiB,
    Double rssAfterMiB, Duration duration, long held, long failed, String error) {

  /** Without the path's reason: the caller that chose the path adds it ({@link #withPathReason}). */
  public RecycleRecord(Instant t, String reason, RecyclePath path, Double rssBeforeMiB, Double rssAfterMiB,
      Duration duration, long held, long failed, String error) {
    this(t, reason, path, null, rssBeforeMiB, rssAfterMiB, duration, held, failed, error);
  }

  public RecycleRecord withPathReason(String why) {
    return new RecycleRecord(t, reason, path, why, rssBeforeMiB, rssAfterMiB, duration, held, failed, error);
  }

  public boolean completed() {
    return error == null;
  }

  /** {@code {"t", "reason", "path", "path_reason", "rss_before_mib", "rss_after_mib", "duration_s", "held", "failed"}}. */
  public JsonObject toJson() {
    return new JsonObject().put("t", t.toString()).put("reason", reason).put("path", path.label())
        .put("path_reason", pathReason)
        .put("rss_before_mib", round(rssBeforeMiB)).put("rss_after_mib", round(rssAfterMiB))
        .put("duration_s", Math.round(duration.toMillis() / 100.0) / 10.0).put("held", held).put("failed", failed)
        .put("error", error);
  }

  /**
   * The plain sentence for {@code issues}: "recycled the app at 14:02, 11 min before its 512 MiB limit
   * (overlap: REASON); 0 requests failed".
   *
   * @param limitMiB        the limit, or null when unknown
   * @param toLimitSeconds  how far the limit was at the fitted slope when the recycle began, or null
   */
  public String sentence(Double limitMiB, Double toLimitSeconds) {
    String at = java.time.format.DateTimeFormatter.ofPattern("HH:mm").withZone(java.time.ZoneOffset.UTC).format(t);
    if (!completed()) {
      return "recycling the app at " + at + " did not complete: " + error;
    }
    String before = limitMiB == null ? "" : (toLimitSeconds == null ? "" : ", "
        + RecyclePolicy.human(Duration.ofSeconds(Math.round(toLimitSeconds)))) + " before its "
        + RecyclePolicy.mib(limitMiB) + " MiB limit";
    return "recycled the app at " + at + before + " (" + path.label() + ": " + reason + ") in "
        + String.format(Locale.ROOT, "%.1f s", duration.toMillis() / 1000.0) + "; "
        + (held > 0 ? held + " requests waited, " : "") + (failed == 0 ? "0 requests failed" : failed
        + " requests failed");
  }

  private static Double round(Double v) {
    return v == null ? null : Math.round(v * 10) / 10.0;
  }
}
