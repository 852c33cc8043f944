package dev.vigil.health;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * Health facts that alerts and the Grafana dashboard need as time series: {@code vigil_upstream_up}
 * (1 while the app answers its health check), {@code vigil_app_memory_state{state}} (1 for the
 * current state, 0 for the others, the usual enum-as-gauge shape so {@code == 1} selects it) and
 * {@code process_resident_memory_bytes} (Vigil's own RSS, under the name Prometheus client
 * libraries use). Every gauge reads a value its owner already keeps, so a scrape never does I/O.
 */
public final class HealthMeters {

  /** The memory states, as in the health document's {@code memory.state}. */
  public static final List<String> MEMORY_STATES = List.of("ok", "warning", "critical", "unknown");

  private HealthMeters() {
  }

  /**
   * @param memoryState the current {@code memory.state} label
   * @param rssMiB Vigil's own resident memory in MiB, NaN when unknown
   */
  public static void register(MeterRegistry registry, BooleanSupplier upstreamUp, Supplier<String> memoryState,
      DoubleSupplier rssMiB) {
    if (registry == null) {
      return;
    }
    Gauge.builder("vigil.upstream.up", upstreamUp, s -> s.getAsBoolean() ? 1 : 0)
        .description("1 while the app answers its health check (upstream.health.path), else 0")
        .strongReference(true).register(registry);
    for (String state : MEMORY_STATES) {
      Gauge.builder("vigil.app.memory.state", memoryState, s -> state.equals(s.get()) ? 1 : 0)
          .description("1 for the app's current memory state (ok, warning, critical, unknown), 0 for the others")
          .tag("state", state).strongReference(true).register(registry);
    }
    Gauge.builder("process.resident.memory", rssMiB, s -> s.getAsDouble() * 1048576.0).baseUnit("bytes")
        .description("Vigil's own resident set size (VmRSS), refreshed every second")
        .strongReference(true).register(registry);
  }
}
