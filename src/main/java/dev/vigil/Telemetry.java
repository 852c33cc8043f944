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

  /** A Vert.x instance reporting into this registry, with one event loop per core. */
  public Vertx newVertx(int eventLoops) {
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions()
        .setEnabled(true)
        .setLabels(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.POOL_TYPE, Label.POOL_NAME))
        .setDisabledMetricsCategories(Set.of(MetricsDomain.EVENT_BUS.name(), MetricsDomain.NET_SERVER.name(),
            MetricsDomain.NET_CLIENT.name(), MetricsDomain.DATAGRAM_SOCKET.name(), MetricsDomain.VERTICLES.name()));
    return Vertx.builder()
        .with(new VertxOptions()
            .setEventLoopPoolSize(eventLoops)
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
