package dev.vigil.watch;

import dev.vigil.memory.MemoryReading;
import dev.vigil.memory.MemoryTracker;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;

/**
 * One watched app: its trend (the sidecar's own rules, through {@link MemoryTracker}) and the
 * running figures of the summary. Bounded: the tracker keeps {@link #HISTORY} samples; the
 * summary keeps sums, not samples. Used from one thread.
 */
final class WatchedApp {

  /** Samples the trend is fitted over: the sidecar's {@code memory.history} default. */
  static final int HISTORY = 720;
  /** The fit covers the whole kept history: a watch has no configured window. */
  private static final Duration WINDOW = Duration.ofDays(3650);

  private final URI url;
  private final MemoryTracker tracker;
  private MemoryTracker.Point last;
  private long samples;
  private long failures;
  private double min = Double.POSITIVE_INFINITY;
  private double max = Double.NEGATIVE_INFINITY;
  private double sum;

  WatchedApp(URI url, Duration interval) {
    this.url = url;
    // The sidecar's default thresholds (memory.warnPercent and the rest).
    this.tracker = new MemoryTracker(HISTORY, WINDOW, interval, 80, 95, Duration.ofHours(6), Duration.ofMinutes(15),
        null);
  }

  URI url() {
    return url;
  }

  MemoryTracker.Point sampled(Instant t, MemoryReading reading) {
    last = tracker.add(t, reading);
    samples++;
    min = Math.min(min, reading.rssMiB());
    max = Math.max(max, reading.rssMiB());
    sum += reading.rssMiB();
    return last;
  }

  void failed() {
    failures++;
  }

  MemoryTracker.Point last() {
    return last;
  }

  long samples() {
    return samples;
  }

  long failures() {
    return failures;
  }

  double min() {
    return min;
  }

  double max() {
    return max;
  }

  double mean() {
    return samples == 0 ? Double.NaN : sum / samples;
  }

  boolean leakSuspected() {
    return last != null && last.leakSuspected();
  }
}
