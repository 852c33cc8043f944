package dev.vigil.admin;

import dev.vigil.metrics.LatencySummary;
import dev.vigil.metrics.ProxyStats;
import dev.vigil.metrics.RequestEntry;
import dev.vigil.metrics.SecondBucket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;

/** Renders request metrics in the contract's shapes: the health {@code proxy} block and {@code /sidecar/requests}. */
public final class MetricsViews {

  /** {@code /sidecar/requests} without {@code ?limit}. */
  public static final int DEFAULT_REQUESTS_LIMIT = 100;
  /** Seconds of the traffic ring shown in the health document (for the dashboard's rate chart). */
  static final int LAST_SECONDS = 120;

  private MetricsViews() {
  }

  /** The health document's {@code proxy} block; {@code latency_ms} is the sliding 1-minute window. */
  public static JsonObject proxy(ProxyStats stats, int inFlight) {
    JsonObject classes = new JsonObject();
    for (int c = 0; c < 5; c++) {
      classes.put((c + 1) + "xx", stats.statusClasses()[c]);
    }
    JsonArray seconds = new JsonArray();
    List<SecondBucket> last = stats.lastSeconds();
    for (SecondBucket b : last.subList(Math.max(0, last.size() - LAST_SECONDS), last.size())) {
      seconds.add(new JsonObject().put("t", b.epochSecond()).put("requests", b.requests())
          .put("errors", b.errors()).put("bytes", b.bytes()));
    }
    return new JsonObject()
        .put("requests_total", stats.requestsTotal())
        .put("in_flight", inFlight)
        .put("rps_1m", Math.round(stats.rps1m() * 100) / 100.0)
        .put("error_rate_1m", Math.round(stats.errorRate1m() * 10000) / 10000.0)
        .put("latency_ms", latency(stats.window1m()))
        .put("latency_ms_5m", latency(stats.window5m()))
        .put("latency_ms_since_start", latency(stats.sinceStart()))
        .put("status_classes", classes)
        .put("rejected", new JsonObject(new LinkedHashMap<>(stats.rejected())))
        .put("routes", stats.routes())
        .put("last_seconds", seconds);
  }

  static JsonObject latency(LatencySummary l) {
    return new JsonObject().put("p50", l.p50Ms()).put("p90", l.p90Ms()).put("p99", l.p99Ms())
        .put("p999", l.p999Ms()).put("max", l.maxMs());
  }

  /** {@code /sidecar/requests}: the ring's capacity and the entries, newest first. */
  public static JsonObject requests(List<RequestEntry> entries, int capacity) {
    JsonArray list = new JsonArray();
    for (RequestEntry e : entries) {
      list.add(new JsonObject()
          .put("t", Instant.ofEpochMilli(e.epochMillis()).toString())
          .put("method", e.method())
          .put("path", e.path())
          .put("route", e.route())
          .put("status", e.status())
          .put("latency_ms", e.latencyMs())
          .put("bytes_in", e.bytesIn())
          .put("bytes_out", e.bytesOut())
          .put("request_id", e.requestId())
          .put("rejected", e.rejected() == null ? null : e.rejected().label()));
    }
    return new JsonObject().put("capacity", capacity).put("requests", list);
  }
}
