package dev.vigil.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
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

  private record Pair(Counter requests, Timer duration) {
  }

  private final MeterRegistry registry;
  private final RouteTable routes;
  private final AtomicReferenceArray<Pair> pairs;
  private final Counter[] rejections;

  RequestMeters(MeterRegistry registry, RouteTable routes, IntSupplier inFlight) {
    this.registry = registry;
    this.routes = routes;
    this.pairs = new AtomicReferenceArray<>(registry == null ? 0 : (routes.maxRoutes() + 1) * METHODS.length * 5);
    this.rejections = new Counter[Rejection.values().length];
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
    pair.duration().record(latencyNanos, TimeUnit.NANOSECONDS);
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
        Timer.builder("vigil.request.duration")
            .description("Time from request head to the end of the answer")
            .tags("route", route, "method", METHODS[m], "status_class", CLASSES[statusClass - 1])
            .serviceLevelObjectives(SLOS)
            .register(registry));
    return pairs.compareAndSet(index, null, pair) ? pair : pairs.get(index);
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
