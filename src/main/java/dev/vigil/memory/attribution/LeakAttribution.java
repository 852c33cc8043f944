package dev.vigil.memory.attribution;

import dev.vigil.memory.MemorySample;
import dev.vigil.memory.MemoryTracker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Names the routes whose traffic predicts the memory growth. At each memory sample it reads the
 * request counters ({@link RouteCounts}), keeps the requests since the previous sample per slot
 * (sparse, in a ring of {@code capacity} samples), and, while the trend says a leak is suspected,
 * fits the window with {@link AttributionFit}. Nothing is fitted or blamed otherwise: a GC
 * sawtooth with a level floor names no route.
 *
 * <p>Where the samples show collections, the fit uses the changes from one collection's low to the
 * next (what the app kept), not every sample's change: the garbage a request makes and the next
 * collection frees would otherwise count as retained. Without collections the series is its own
 * floor and each sample interval is used.
 *
 * <p>Thread-safe: one lock, held for the bounded fit (at most {@value AttributionFit#MAX_COLUMNS}
 * routes × {@code capacity} samples) and never across I/O.
 */
public final class LeakAttribution {

  /** Routes named in {@code issues} at most. */
  static final int MAX_SENTENCES = 3;
  private static final double BYTES_PER_MIB = 1 << 20;

  private record Entry(MemorySample sample, int[] slots, int[] counts) {
  }

  private final RouteCounts counts;
  private final Duration window;
  private final Entry[] ring;
  private final long[] previous;
  private final long[] current;
  private final MultiGauge retained;
  private int start;
  private int size;
  private boolean baseline;
  private Attribution result = Attribution.none("no sample yet", 0, 0);

  /**
   * @param counts          the request counters (read at each sample)
   * @param capacity        samples kept ({@code memory.history})
   * @param window          the trend window ({@code memory.trend.window})
   * @param registryOrNull  for {@code vigil_app_memory_route_retained_bytes{route}}, or null
   */
  public LeakAttribution(RouteCounts counts, int capacity, Duration window, MeterRegistry registryOrNull) {
    this.counts = counts;
    this.window = window;
    this.ring = new Entry[capacity];
    this.previous = new long[counts.slots()];
    this.current = new long[counts.slots()];
    this.retained = registryOrNull == null ? null : MultiGauge.builder("vigil.app.memory.route.retained")
        .baseUnit("bytes")
        .description("Memory the route's requests retained over the trend window, while a leak is suspected")
        .register(registryOrNull);
  }

  /** Records a memory sample with the requests counted up to now, and refits. */
  public void sampled(Instant t, double rssMiB, boolean leakSuspected) {
    sampled(t, rssMiB, leakSuspected, snapshot());
  }

  /**
   * The running request totals now. Read them when the memory answer arrives and fit later (off the
   * event loop) with {@link #sampled(Instant, double, boolean, long[])}: requests that finish in
   * between would otherwise be counted in the wrong interval. Lock-free for the writers.
   */
  public long[] snapshot() {
    long[] totals = new long[counts.slots()];
    counts.read(totals);
    return totals;
  }

  /** Records a memory sample with the request totals read at the same moment, and refits. */
  public void sampled(Instant t, double rssMiB, boolean leakSuspected, long[] totals) {
    synchronized (this) {
      System.arraycopy(totals, 0, current, 0, current.length);
      int nonzero = 0;
      for (int i = 0; i < current.length; i++) {
        if (current[i] != previous[i]) {
          nonzero++;
        }
      }
      int[] slots = new int[baseline ? nonzero : 0];
      int[] n = new int[slots.length];
      for (int i = 0, k = 0; i < current.length && baseline; i++) {
        if (current[i] != previous[i]) {
          slots[k] = i;
          n[k++] = (int) Math.min(Integer.MAX_VALUE, current[i] - previous[i]);
        }
      }
      System.arraycopy(current, 0, previous, 0, current.length);
      baseline = true;
      add(new Entry(new MemorySample(t, rssMiB), slots, n));
      result = leakSuspected ? fit() : Attribution.none("no leak suspected", 0, 0);
    }
    publish();
  }

  /** The latest fit. */
  public synchronized Attribution result() {
    return result;
  }

  /** Plain sentences for the health {@code issues} while a leak is suspected and routes explain it. */
  public List<String> sentences() {
    Attribution a = result();
    List<String> out = new ArrayList<>();
    String span = human(a.hours() * 3600);
    for (RouteShare r : a.routes().subList(0, Math.min(MAX_SENTENCES, a.routes().size()))) {
      out.add(String.format(Locale.ROOT, "%s %s retains about %s per request: %.0f%% of the growth in the last %s",
          r.method(), r.route(), size(r.mibPerRequest()), r.shareOfGrowth() * 100, span));
    }
    if (a.unexplainedMiBPerHour() != null && a.unexplainedShare() >= 0.5) {
      out.add(String.format(Locale.ROOT, "memory grows about %.1f MiB/h that no route's traffic explains "
          + "(%.0f%% of the growth in the last %s)", a.unexplainedMiBPerHour(), a.unexplainedShare() * 100, span));
    }
    return out;
  }

  private void add(Entry e) {
    if (size < ring.length) {
      ring[(start + size++) % ring.length] = e;
    } else {
      ring[start] = e;
      start = (start + 1) % ring.length;
    }
  }

  private Attribution fit() {
    List<Entry> in = new ArrayList<>(size);
    Instant from = ring[(start + size - 1) % ring.length].sample().t().minus(window);
    for (int i = 0; i < size; i++) {
      Entry e = ring[(start + i) % ring.length];
      if (!e.sample().t().isBefore(from)) {
        in.add(e);
      }
    }
    List<MemorySample> samples = new ArrayList<>(in.size());
    in.forEach(e -> samples.add(e.sample()));
    List<MemorySample> lows = MemoryTracker.lows(samples);
    List<Interval> intervals = lows.size() >= 2 ? betweenLows(in, lows) : betweenSamples(in);
    return AttributionFit.fit(intervals, counts::route, counts::method);
  }

  private static List<Interval> betweenSamples(List<Entry> in) {
    List<Interval> out = new ArrayList<>();
    for (int i = 1; i < in.size(); i++) {
      MemorySample a = in.get(i - 1).sample();
      MemorySample b = in.get(i).sample();
      out.add(new Interval(b.t(), b.rssMiB() - a.rssMiB(), hours(a.t(), b.t()), in.get(i).slots(), in.get(i).counts()));
    }
    return out;
  }

  /** From each collection's low to the next: the requests in between against what stayed. */
  private static List<Interval> betweenLows(List<Entry> in, List<MemorySample> lows) {
    List<Interval> out = new ArrayList<>();
    int e = 0;
    while (e < in.size() && in.get(e).sample() != lows.get(0)) {
      e++;
    }
    for (int l = 1; l < lows.size(); l++) {
      MemorySample from = lows.get(l - 1);
      MemorySample to = lows.get(l);
      Map<Integer, Integer> sum = new LinkedHashMap<>();
      while (++e < in.size()) {
        Entry entry = in.get(e);
        for (int i = 0; i < entry.slots().length; i++) {
          sum.merge(entry.slots()[i], entry.counts()[i], Integer::sum);
        }
        if (entry.sample() == to) {
          break;
        }
      }
      int[] slots = new int[sum.size()];
      int[] n = new int[sum.size()];
      int k = 0;
      for (Map.Entry<Integer, Integer> s : sum.entrySet()) {
        slots[k] = s.getKey();
        n[k++] = s.getValue();
      }
      out.add(new Interval(to.t(), to.rssMiB() - from.rssMiB(), hours(from.t(), to.t()), slots, n));
    }
    return out;
  }

  /** Retained bytes per route (methods summed) for the gauge; no row while nothing is blamed. */
  private void publish() {
    if (retained == null) {
      return;
    }
    Map<String, Double> byRoute = new LinkedHashMap<>();
    for (RouteShare r : result().routes()) {
      byRoute.merge(r.route(), r.mibPerRequest() * r.requests() * BYTES_PER_MIB, Double::sum);
    }
    List<MultiGauge.Row<?>> rows = new ArrayList<>();
    byRoute.forEach((route, bytes) -> rows.add(MultiGauge.Row.of(Tags.of("route", route), bytes)));
    retained.register(rows, true);
  }

  private static double hours(Instant a, Instant b) {
    return Duration.between(a, b).toNanos() / 3.6e12;
  }

  static String size(double mib) {
    if (mib >= 0.1) {
      return String.format(Locale.ROOT, "%.1f MiB", mib);
    }
    return String.format(Locale.ROOT, "%.0f KiB", mib * 1024);
  }

  static String human(double seconds) {
    if (seconds >= 3600) {
      return String.format(Locale.ROOT, "%.1f h", seconds / 3600);
    }
    if (seconds >= 120) {
      return String.format(Locale.ROOT, "%.0f min", seconds / 60);
    }
    return String.format(Locale.ROOT, "%.0f s", seconds);
  }
}
