package dev.vigil.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.IntSupplier;

/**
 * Vigil's Prometheus meters: {@code vigil_requests_total} and {@code vigil_request_duration_seconds}
 * by route, method and status class, {@code vigil_rejections_total} by cause, and the
 * {@code vigil_requests_in_flight} gauge. Meters for a (route, method, class) triple are created
 * once, on first use, into a flat array; every later request finds them by index, so the hot path
 * does no tag lookup and allocates nothing. The array is bounded: routes by {@code maxRoutes + 1},
 * methods by the 8 below (everything else is "other"), classes by 5.
 */
final class RequestMeters {

  static final String[] METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "other"};
  private static final String[] CLASSES = {"1xx", "2xx", "3xx", "4xx", "5xx"};
  /** Bucket bounds for the latency histogram: 1 ms to 10 s, enough to read p50..p99 per route. */
  private static final Duration[] SLOS = {
      Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
      Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10)};
  private static final double[] SLO_SECONDS = java.util.Arrays.stream(SLOS).mapToDouble(d -> d.toNanos() / 1e9).toArray();

  /** The request counter and the latency histogram point of one (route, method, class). */
  private record Pair(Counter requests, LatencyPoint duration) {
  }

  /** Where a latency goes; seconds. */
  private interface LatencyPoint {
    void observe(long nanos);
  }

  private final MeterRegistry registry;
  private final RouteTable routes;
  private final AtomicReferenceArray<Pair> pairs;
  private final Counter[] rejections;
  private final io.prometheus.metrics.core.metrics.Histogram prometheusLatency;

  RequestMeters(MeterRegistry registry, RouteTable routes, IntSupplier inFlight) {
    this.registry = registry;
    this.routes = routes;
    this.pairs = new AtomicReferenceArray<>(registry == null ? 0 : (routes.maxRoutes() + 1) * METHODS.length * 5);
    this.rejections = new Counter[Rejection.values().length];
    // With a Prometheus registry the histogram goes straight into its Prometheus client registry:
    // the client's histogram records in about a quarter of the time of a Micrometer Timer with
    // the same buckets, which kept the record path over its 150 ns budget (JMH, src/bench/jmh.sh).
    this.prometheusLatency = registry instanceof PrometheusMeterRegistry prometheus
        ? io.prometheus.metrics.core.metrics.Histogram.builder()
            .name("vigil_request_duration_seconds")
            .help("Time from request head to the end of the answer")
            .labelNames("route", "method", "status_class")
            .classicUpperBounds(SLO_SECONDS)
            .classicOnly()
            .withoutExemplars()
            .register(prometheus.getPrometheusRegistry())
        : null;
    if (registry != null) {
      for (Rejection r : Rejection.values()) {
        rejections[r.ordinal()] = Counter.builder("vigil.rejections")
            .description("Requests Vigil answered itself instead of forwarding them, by cause")
            .tag("cause", r.label())
            .register(registry);
      }
      Gauge.builder("vigil.requests.in.flight", inFlight, IntSupplier::getAsInt)
          .description("Requests forwarded to the app and not finished yet")
          .strongReference(true)
          .register(registry);
    }
  }

  void record(int routeId, String method, int statusClass, long latencyNanos, Rejection rejection) {
    if (registry == null) {
      return;
    }
    int m = methodIndex(method);
    int index = (routeId * METHODS.length + m) * 5 + (statusClass - 1);
    Pair pair = pairs.get(index);
    if (pair == null) {
      pair = create(index, routeId, m, statusClass);
    }
    pair.requests().increment();
    pair.duration().observe(latencyNanos);
    if (rejection != null) {
      rejections[rejection.ordinal()].increment();
    }
  }

  private Pair create(int index, int routeId, int m, int statusClass) {
    String route = routes.label(routeId);
    Pair pair = new Pair(
        Counter.builder("vigil.requests")
            .description("Requests received on the proxy listener, by the status the client got")
            .tags("route", route, "method", METHODS[m], "status_class", CLASSES[statusClass - 1])
            .register(registry),
        latencyPoint(route, METHODS[m], CLASSES[statusClass - 1]));
    return pairs.compareAndSet(index, null, pair) ? pair : pairs.get(index);
  }

  private LatencyPoint latencyPoint(String route, String method, String statusClass) {
    if (prometheusLatency != null) {
      var point = (io.prometheus.metrics.core.datapoints.DistributionDataPoint)
          prometheusLatency.labelValues(route, method, statusClass);
      return nanos -> point.observe(nanos / 1e9);
    }
    Timer timer = Timer.builder("vigil.request.duration")
        .description("Time from request head to the end of the answer")
        .tags("route", route, "method", method, "status_class", statusClass)
        .serviceLevelObjectives(SLOS)
        .register(registry);
    return nanos -> timer.record(nanos, TimeUnit.NANOSECONDS);
  }

  static int methodIndex(String method) {
    switch (method) {
      case "GET":
        return 0;
      case "HEAD":
        return 1;
      case "POST":
        return 2;
      case "PUT":
        return 3;
      case "DELETE":
        return 4;
      case "PATCH":
        return 5;
      case "OPTIONS":
        return 6;
      default:
        return 7;
    }
  }
}
