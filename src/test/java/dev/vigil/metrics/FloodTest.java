package dev.vigil.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Vigil must never become the leak it watches for: a million unique paths leave labels and heap flat. */
class FloodTest {

  @Test
  void millionUniquePathsKeepLabelsAndHeapFlat() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    RequestMetrics m = new RequestMetrics(4096, 100, List.of(), System::currentTimeMillis, registry, () -> 0);
    Shard s = m.shard();
    // Fill every bounded structure first (labels, meters, ring), then measure what more traffic retains.
    for (int i = 0; i < 20_000; i++) {
      s.record("GET", "/warm/x" + i + "y", 200, 1_000, 1, 1, "id", null);
    }
    m.tick();
    long before = retainedHeap();
    for (int i = 0; i < 1_000_000; i++) {
      s.record("GET", "/flood/p" + i + "q/item", 200 + (i % 4) * 100, 1_000 + i % 5000, 10, 10, "req", null);
      if (i % 100_000 == 0) {
        m.tick();
      }
    }
    m.tick();
    long after = retainedHeap();
    assertEquals(101, m.routes().size(), "maxRoutes + 1 labels ('other' included)");
    long growth = after - before;
    assertTrue(growth < 2L * 1024 * 1024, "retained heap grew by " + growth + " bytes");
    assertEquals(1_020_000, m.snapshot().requestsTotal());
    long series = registry.scrape().lines().filter(l -> l.startsWith("vigil_requests_total{")).count();
    assertTrue(series <= 101 * 4, "request series bounded by routes x classes, got " + series);
  }

  private static long retainedHeap() {
    var memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }
}
