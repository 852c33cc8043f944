package dev.vigil.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;

/**
 * Bounded request/response metrics. Each event loop records into its own {@link Shard} without a
 * lock; readers ({@link #snapshot()}, {@link #recent(int)}) merge the shards. Everything is sized
 * at construction: the ring of recent requests ({@code capacity} per shard, reported as
 * {@code capacity}), 30 ten-second latency slots, a 300-second traffic ring, and at most
 * {@code maxRoutes + 1} route labels.
 *
 * <p>Usage: {@code Shard s = metrics.shard()} once per event loop, {@code s.record(...)} per
 * finished request on that loop, {@code metrics.tick()} about once a second from any one thread.
 */
public final class RequestMetrics {

  private final int capacity;
  private final LongSupplier clock;
  private final RouteTable routes;
  private final RequestMeters meters;
  private final LatencyWindows windows;
  private final CopyOnWriteArrayList<Shard> shards = new CopyOnWriteArrayList<>();

  /**
   * @param capacity ring buffer entries ({@code metrics.requestBuffer})
   * @param maxRoutes distinct route labels ({@code metrics.maxRoutes})
   * @param routePatterns explicit route patterns, tried before the automatic {@code {id}} rules
   * @param clock wall-clock milliseconds (injectable for tests)
   * @param registry where the Prometheus meters go, or null for none
   * @param inFlight read by the in-flight gauge
   */
  public RequestMetrics(int capacity, int maxRoutes, List<String> routePatterns, LongSupplier clock,
                        MeterRegistry registry, IntSupplier inFlight) {
    if (capacity < 1) {
      throw new IllegalArgumentException("metrics.requestBuffer must be at least 1, got " + capacity);
    }
    this.capacity = capacity;
    this.clock = clock;
    this.routes = new RouteTable(maxRoutes, routePatterns);
    this.meters = new RequestMeters(registry, routes, inFlight);
    this.windows = new LatencyWindows(clock);
  }

  /** A recorder for one writer thread. */
  public Shard shard() {
    Shard s = new Shard(this, clock, capacity);
    shards.add(s);
    return s;
  }

  RouteTable routes() {
    return routes;
  }

  RequestMeters meters() {
    return meters;
  }

  /** Moves recorded latencies into the current window slot; call about once a second. */
  public void tick() {
    windows.rotate(shards);
  }

  /** The newest requests first, at most {@code min(limit, capacity)}. */
  public List<RequestEntry> recent(int limit) {
    int max = Math.max(0, Math.min(limit, capacity));
    List<RequestEntry> all = new ArrayList<>();
    for (Shard s : shards) {
      s.collect(all, max, routes);
    }
    all.sort(Comparator.comparingLong(RequestEntry::finishedNanos).reversed());
    return all.size() > max ? List.copyOf(all.subList(0, max)) : all;
  }

  /** Time of the most recent non-5xx answer, 0 when none (the keep-alive skips pings after one). */
  public long lastSuccessEpochMillis() {
    long best = 0;
    for (Shard s : shards) {
      best = Math.max(best, s.lastSuccess());
    }
    return best;
  }

  /** Counter slots of {@link #routeRequests}: every route id (other included) times every method label. */
  static int countSlots(int maxRoutes) {
    return (maxRoutes + 1) * RequestMeters.METHODS.length;
  }

  public int routeRequestSlots() {
    return countSlots(routes.maxRoutes());
  }

  /**
   * Requests the app answered since start (Vigil's own rejections excluded), per slot
   * {@code routeId * 8 + method}, summed over the shards into {@code into}. Lock-free; for the leak
   * attribution, read once per memory sample.
   */
  public void routeRequests(long[] into) {
    java.util.Arrays.fill(into, 0);
    for (Shard s : shards) {
      s.addRouteRequests(into);
    }
  }

  /** The route label of a counter slot. */
  public String slotRoute(int slot) {
    int id = slot / RequestMeters.METHODS.length;
    return id < routes.size() ? routes.label(id) : RouteTable.OTHER_LABEL;
  }

  /** The method label of a counter slot ({@code GET}, ..., {@code other}). */
  public String slotMethod(int slot) {
    return RequestMeters.METHODS[slot % RequestMeters.METHODS.length];
  }

  public int capacity() {
    return capacity;
  }

  public ProxyStats snapshot() {
    tick();
    long now = clock.getAsLong();
    long nowSecond = now / 1000;
    long total1m = 0;
    long errors1m = 0;
    List<SecondBucket> seconds = new ArrayList<>(Shard.SECONDS);
    long[] acc = new long[3];
    for (long sec = nowSecond - Shard.SECONDS + 1; sec <= nowSecond; sec++) {
      acc[0] = 0;
      acc[1] = 0;
      acc[2] = 0;
      for (Shard s : shards) {
        s.second(sec, acc);
      }
      seconds.add(new SecondBucket(sec, acc[0], acc[1], acc[2]));
      if (sec > nowSecond - 60) {
        total1m += acc[0];
        errors1m += acc[1];
      }
    }
    long requests = 0;
    long[] classes = new long[5];
    Map<String, Long> rejected = new LinkedHashMap<>();
    for (Rejection r : Rejection.values()) {
      rejected.put(r.label(), 0L);
    }
    int ring = 0;
    for (Shard s : shards) {
      requests += s.counts.get(0);
      for (int c = 1; c <= 5; c++) {
        classes[c - 1] += s.counts.get(c);
      }
      for (Rejection r : Rejection.values()) {
        rejected.merge(r.label(), s.counts.get(6 + r.ordinal()), Long::sum);
      }
      ring += s.size();
    }
    return new ProxyStats(requests, total1m / 60.0, total1m == 0 ? 0 : (double) errors1m / total1m,
        windows.window(60_000), windows.window(300_000), windows.sinceStart(), classes, rejected,
        Math.min(ring, capacity), capacity, routes.size(), seconds);
  }
}
