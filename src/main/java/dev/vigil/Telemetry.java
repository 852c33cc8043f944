package dev.vigil;

import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.EnumSet;
import java.util.Set;

/**
 * The Prometheus registry behind {@code /sidecar/metrics}: Vigil's own meters, Vert.x's HTTP
 * server, client and pool meters, and the JVM's. Label sets are fixed and small: Vert.x meters are
 * labelled by method, status code and pool only (never by path), so their cardinality is bounded.
 */
public final class Telemetry {

  /** Vert.x worker pool: executeBlocking for /proc reads, Prometheus scrapes, app signals. */
  static final int WORKER_THREADS = 4;
  /** Vert.x internal blocking pool: file-system calls (config, dashboard assets). */
  static final int INTERNAL_BLOCKING_THREADS = 2;

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gcMetrics = new JvmGcMetrics();

  public Telemetry() {
    // Two of Micrometer's names fail `promtool check metrics` (an abbreviated unit, a "_count" gauge).
    registry.config().meterFilter(MeterFilter.deny(id ->
        id.getName().equals("process.cpu.time") || id.getName().equals("system.cpu.count")));
    new JvmMemoryMetrics().bindTo(registry);
    gcMetrics.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /**
   * A Vert.x instance reporting into this registry, with one event loop per core.
   *
   * @param httpMeters also Vert.x's per-request HTTP server and client meters (and, with them, the
   *     upstream connection-pool meters). Off by default: they look up and allocate meters for
   *     every request, which cost about a third of the proxy's throughput in the load benchmark,
   *     and Vigil's own request meters already cover the same ground by route.
   */
  public Vertx newVertx(int eventLoops, boolean httpMeters) {
    Set<String> off = new java.util.HashSet<>(Set.of(MetricsDomain.EVENT_BUS.toCategory(),
        MetricsDomain.NET_SERVER.toCategory(), MetricsDomain.NET_CLIENT.toCategory(),
        MetricsDomain.DATAGRAM_SOCKET.toCategory(), MetricsDomain.VERTICLES.toCategory()));
    if (!httpMeters) {
      off.add(MetricsDomain.HTTP_SERVER.toCategory());
      off.add(MetricsDomain.HTTP_CLIENT.toCategory());
    }
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions()
        .setEnabled(true)
        .setLabels(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.POOL_TYPE, Label.POOL_NAME))
        .setDisabledMetricsCategories(off);
    return Vertx.builder()
        .with(new VertxOptions()
            .setEventLoopPoolSize(eventLoops)
            // Vigil's blocking work is short and rare (a /proc read, a scrape, a signal to the app):
            // a few threads, not Vert.x's default 20 + 20 (each pool grows to its size under load).
            .setWorkerPoolSize(WORKER_THREADS)
            .setInternalBlockingPoolSize(INTERNAL_BLOCKING_THREADS)
            .setPreferNativeTransport(true)
            .setMetricsOptions(metrics))
        .withMetrics(new MicrometerMetricsFactory(registry))
        .build();
  }

  public void close() {
    gcMetrics.close();
    registry.close();
  }
}
