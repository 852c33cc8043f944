package dev.vigil.overload;

import dev.vigil.health.Finding;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.function.Supplier;

/**
 * Vigil watching itself: the heap guard that sheds load (re-read every second) and the process's
 * own RSS (every second, off the event loop, so the health
 * document never trails /proc by more than a second). Renders the health document's {@code sidecar} block and
 * contributes the shedding finding.
 */
public final class Overload {

  private static final long HEAP_REFRESH_MS = 1_000;
  private static final long RSS_REFRESH_MS = 1_000;

  private final HeapGuard guard;
  private final ProcessStats process = new ProcessStats();
  private final Supplier<JsonObject> buffers;
  private long timer = -1;

  /**
   * @param guard {@code overload.heapShedPercent}'s guard
   * @param buffers the {@code buffers} object (sizes and capacities of Vigil's bounded buffers)
   */
  public Overload(HeapGuard guard, Supplier<JsonObject> buffers) {
    this.guard = guard;
    this.buffers = buffers;
  }

  public void start(Vertx vertx) {
    process.start(vertx, RSS_REFRESH_MS);
    guard.refresh();
    timer = vertx.setPeriodic(HEAP_REFRESH_MS, id -> guard.refresh());
  }

  public void stop(Vertx vertx) {
    if (timer != -1) {
      vertx.cancelTimer(timer);
    }
    process.stop(vertx);
  }

  /** Read on the request path: one volatile. */
  public boolean shedding() {
    return guard.shedding();
  }

  /** Vigil's own resident memory in MiB (NaN when unknown), refreshed every second. */
  public double rssMiB() {
    return process.rssMiB();
  }

  public List<Finding> findings() {
    return guard.findings();
  }

  /** The health document's {@code sidecar} block. */
  public JsonObject healthJson() {
    double rss = process.rssMiB();
    return new JsonObject()
        .put("heap_used_mib", round1(ProcessStats.heapUsedMiB()))
        .put("heap_live_percent", round1(guard.percent()))
        .put("rss_mib", Double.isNaN(rss) ? null : round1(rss))
        .put("shedding", guard.shedding())
        .put("buffers", buffers.get());
  }

  private static double round1(double v) {
    return Math.round(v * 10) / 10.0;
  }
}
