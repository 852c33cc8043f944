package dev.vigil.health;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Builds the {@code /sidecar/health} document from components' latest snapshots. It never waits
 * on a component: each one keeps its own last-known state, updated by its own timers, and is read
 * here in constant time, so a dead Redis or a hung memory endpoint cannot slow the answer. A
 * component whose state is old says so itself in its findings.
 */
public final class HealthAggregator {

  private final Clock clock;
  private final Instant started;
  private final Map<String, Component> components = new LinkedHashMap<>();

  /** A block of the document ({@code proxy}, {@code memory}, ...) and the findings it contributes. */
  public record Component(Supplier<JsonObject> block, Supplier<List<Finding>> findings) {
  }

  public HealthAggregator(Clock clock) {
    this.clock = clock;
    this.started = clock.instant();
  }

  /** Registers a block under {@code key}; blocks appear in registration order. */
  public HealthAggregator add(String key, Supplier<JsonObject> block, Supplier<List<Finding>> findings) {
    components.put(key, new Component(block, findings));
    return this;
  }

  /** The whole document: status, timestamp, uptime, issues, then every block. */
  public JsonObject report() {
    Instant now = clock.instant();
    Finding.Level worst = Finding.Level.HEALTHY;
    List<String> issues = new ArrayList<>();
    JsonObject blocks = new JsonObject();
    for (Map.Entry<String, Component> e : components.entrySet()) {
      JsonObject block;
      List<Finding> findings;
      try {
        block = e.getValue().block().get();
        findings = e.getValue().findings().get();
      } catch (RuntimeException ex) {
        block = new JsonObject().put("error", String.valueOf(ex.getMessage()));
        findings = List.of(Finding.degraded(e.getKey() + " status could not be read: " + ex.getMessage()));
      }
      blocks.put(e.getKey(), block);
      for (Finding f : findings) {
        issues.add(f.sentence());
        if (f.level().ordinal() > worst.ordinal()) {
          worst = f.level();
        }
      }
    }
    JsonObject doc = new JsonObject()
        .put("status", worst.label())
        .put("timestamp", now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString())
        .put("uptime_s", Math.round((now.toEpochMilli() - started.toEpochMilli()) / 100.0) / 10.0)
        .put("issues", new JsonArray(issues));
    blocks.forEach(e -> doc.put(e.getKey(), e.getValue()));
    return doc;
  }

  /** 200 for healthy and degraded, 503 for unhealthy (the contract's rule). */
  public static int httpStatus(JsonObject report) {
    return "unhealthy".equals(report.getString("status")) ? 503 : 200;
  }
}
