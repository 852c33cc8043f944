package dev.vigil.app.recycle;

import dev.vigil.memory.MemoryState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Locale;

/**
 * What the recycle policy needs to know about the app's memory at one sample.
 *
 * @param t                when the newest sample was taken
 * @param state            the memory state machine's state
 * @param rssMiB           the newest sample (for {@code cgroup} the working set of every child in it)
 * @param limitMiB         the limit, or null when none is known
 * @param slopeMiBPerHour  the fitted slope, or null without a fit
 * @param steady           the fit is good enough to act on its projection
 */
public record MemoryView(Instant t, MemoryState state, double rssMiB, Double limitMiB, Double slopeMiBPerHour,
    boolean steady) {

  /**
   * Reads the {@code /sidecar/memory} document of {@code MemoryWatch.memoryJson()}; null while it
   * holds no sample.
   */
  public static MemoryView of(JsonObject memoryJson) {
    Double rss = memoryJson.getDouble("rss_mib");
    JsonArray samples = memoryJson.getJsonArray("samples");
    if (rss == null || samples == null || samples.isEmpty()) {
      return null;
    }
    Instant t = Instant.parse(samples.getJsonObject(samples.size() - 1).getString("t"));
    MemoryState state = MemoryState.valueOf(memoryJson.getString("state", "unknown").toUpperCase(Locale.ROOT));
    return new MemoryView(t, state, rss, memoryJson.getDouble("limit_mib"), memoryJson.getDouble("trend_mib_per_hour"),
        memoryJson.getBoolean("steady", false));
  }

  /** Seconds until {@code level} MiB at the fitted slope, or null when not steadily growing. */
  Double secondsUntil(double levelMiB) {
    if (!steady || slopeMiBPerHour == null || slopeMiBPerHour <= 0) {
      return null;
    }
    return Math.max(0, (levelMiB - rssMiB) / slopeMiBPerHour * 3600);
  }
}
