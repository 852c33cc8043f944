package dev.vigil.memory;

import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Objects;

/**
 * One resident-memory reading of the application.
 *
 * @param t      when the sidecar received it (from the watch's clock)
 * @param rssMiB resident set size in MiB (2^20 bytes), finite and positive
 */
public record MemorySample(Instant t, double rssMiB) {

  public MemorySample {
    Objects.requireNonNull(t, "t");
    if (!Double.isFinite(rssMiB) || rssMiB <= 0) {
      throw new IllegalArgumentException("rssMiB = " + rssMiB + " is not a positive finite size");
    }
  }

  /** {@code {"t": ISO-8601, "rss_mib": n}} as in {@code /sidecar/memory}. */
  public JsonObject toJson() {
    return new JsonObject().put("t", t.toString()).put("rss_mib", MemoryJson.round(rssMiB));
  }

  /** Inverse of {@link #toJson()}, for samples restored from a store. */
  public static MemorySample fromJson(JsonObject json) {
    return new MemorySample(Instant.parse(json.getString("t")), json.getDouble("rss_mib"));
  }
}
