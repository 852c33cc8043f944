package dev.vigil.memory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The watch's Micrometer meters. Gauges read the watch when scraped and are NaN while a figure is
 * unknown. Prometheus names: {@code vigil_app_memory_rss_bytes}, {@code vigil_app_memory_limit_bytes},
 * {@code vigil_app_memory_trend_bytes_per_second}, {@code vigil_app_memory_projected_limit_seconds},
 * {@code vigil_app_memory_poll_failures_total}.
 */
final class MemoryMeters {

  private final MeterRegistry registry;
  private final List<Meter> meters = new ArrayList<>();
  private final Counter failures;

  MemoryMeters(MeterRegistry registry, MemoryWatch watch) {
    this.registry = registry;
    gauge(watch, "vigil.app.memory.rss", "bytes", "Resident memory the application reports", MemoryWatch::rssBytes);
    gauge(watch, "vigil.app.memory.limit", "bytes", "Memory limit of the application (configured or reported)",
        MemoryWatch::limitBytes);
    gauge(watch, "vigil.app.memory.trend", "bytes.per.second", "Least-squares memory slope over the trend window",
        MemoryWatch::trendBytesPerSecond);
    gauge(watch, "vigil.app.memory.projected.limit", "seconds", "Time until the limit at the current slope",
        MemoryWatch::projectedSeconds);
    failures = Counter.builder("vigil.app.memory.poll.failures")
        .description("Failed polls of the application's memory endpoint").register(registry);
    meters.add(failures);
  }

  void pollFailed() {
    failures.increment();
  }

  /** Unregisters every meter, so a stopped watch leaves nothing behind in the registry. */
  void remove() {
    meters.forEach(registry::remove);
  }

  private void gauge(MemoryWatch w, String name, String unit, String help, ToDoubleFunction<MemoryWatch> f) {
    // Strong reference: the registry must keep reporting while the watch runs, whoever holds it.
    meters.add(Gauge.builder(name, w, f).baseUnit(unit).description(help).strongReference(true).register(registry));
  }
}
