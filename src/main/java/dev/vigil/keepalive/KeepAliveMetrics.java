package dev.vigil.keepalive;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;

/**
 * The keep-alive meters. With a Prometheus registry they appear as
 * {@code vigil_keepalive_pings_total{result}}, {@code vigil_keepalive_next_ping_seconds},
 * {@code vigil_keepalive_interval_seconds} and {@code vigil_keepalive_consecutive_failures}.
 */
final class KeepAliveMetrics {
  private final Map<PingResult, Counter> counters = new EnumMap<>(PingResult.class);

  /** Registers nothing (and counts nothing) when {@code registry} is null. */
  KeepAliveMetrics(MeterRegistry registry, KeepAlive keepAlive) {
    if (registry == null) {
      return;
    }
    for (PingResult result : PingResult.values()) {
      if (result != PingResult.NONE) {
        // Registered up front so every series exists at 0 before the first due time.
        counters.put(result, Counter.builder("vigil.keepalive.pings")
            .description("Keep-alive due times by outcome")
            .tag("result", result.label())
            .register(registry));
      }
    }
    Gauge.builder("vigil.keepalive.next.ping", keepAlive, KeepAlive::nextPingInSeconds)
        .description("Time until the next keep-alive ping (NaN when none is scheduled)")
        .baseUnit("seconds")
        .register(registry);
    Gauge.builder("vigil.keepalive.interval", keepAlive, KeepAlive::intervalSeconds)
        .description("Base keep-alive interval in force now")
        .baseUnit("seconds")
        .register(registry);
    Gauge.builder("vigil.keepalive.consecutive.failures", keepAlive,
            k -> k.snapshot().consecutiveFailures())
        .description("Keep-alive pings failed in a row")
        .register(registry);
  }

  void count(PingResult result) {
    Counter counter = counters.get(result);
    if (counter != null) {
      counter.increment();
    }
  }
}
