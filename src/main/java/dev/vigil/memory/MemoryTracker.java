package dev.vigil.memory;

import java.time.Duration;
import java.time.Instant;

/**
 * The watch's arithmetic without its polling: a bounded sample history, the trend fit (slope, R²,
 * floor slope, leak rule), the projection and the hysteresis state, fed one reading at a time.
 * For callers outside this package that read memory themselves ({@code vigil watch}). Not
 * thread-safe: the owner serialises {@link #add}.
 */
public final class MemoryTracker {

  /** What one sample left behind: every figure the watch prints or writes out. */
  public record Point(Instant t, double rssMiB, Double limitMiB, Double percent, Double slopeMiBPerHour,
                      Double floorSlopeMiBPerHour, Double r2, boolean steady, boolean leakSuspected,
                      Double projectedLimitInS, MemoryState state, int windowSamples) {
  }

  private final SampleHistory history;
  private final Duration window;
  private final Duration interval;
  private final StateMachine machine;
  private final Double limitOverrideMiB;

  /**
   * @param capacity         samples kept (the fit uses those inside {@code window})
   * @param window           fit window
   * @param interval         poll interval (the steadiness rule counts intervals)
   * @param limitOverrideMiB the limit to use instead of what the app reports, or null
   */
  public MemoryTracker(int capacity, Duration window, Duration interval, double warnPercent, double criticalPercent,
                       Duration warnHorizon, Duration criticalHorizon, Double limitOverrideMiB) {
    this.history = new SampleHistory(capacity);
    this.window = window;
    this.interval = interval;
    this.machine = new StateMachine(warnPercent, criticalPercent, warnHorizon, criticalHorizon);
    this.limitOverrideMiB = limitOverrideMiB;
  }

  /** Adds a reading taken at {@code t} and returns the figures after it. */
  public Point add(Instant t, MemoryReading reading) {
    MemorySample sample = new MemorySample(t, reading.rssMiB());
    history.add(sample);
    MemoryTrend trend = MemoryTrend.fit(history.toList(), window, interval);
    Double limit = limitOverrideMiB != null ? limitOverrideMiB : reading.limitMiB();
    Double percent = limit == null ? null : sample.rssMiB() / limit * 100;
    Double projected = trend.projectedSeconds(sample.rssMiB(), limit);
    MemoryState state = machine.update(percent, projected, trend.steady());
    return new Point(t, sample.rssMiB(), limit, percent, trend.slopeMiBPerHour(), trend.floorSlopeMiBPerHour(),
        trend.r2(), trend.steady(), trend.leakSuspected(), projected, state, trend.samples());
  }

  /**
   * The bottoms of the collections in {@code samples} (oldest first), by the rule of the floor
   * slope: what memory came back down to, so what the app really retained.
   */
  public static java.util.List<MemorySample> lows(java.util.List<MemorySample> samples) {
    return MemoryTrend.lows(samples);
  }

  /** After a failed read: the last sample is stale, as in the sidecar's watch. */
  public void stale() {
    machine.reset();
  }
}
