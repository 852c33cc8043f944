package dev.vigil.memory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The trend of the samples inside the fit window. Pure: {@link #fit} needs no clock and no Vert.x.
 *
 * <h2>Method</h2>
 * <ul>
 *   <li><b>Slope</b>: ordinary least squares of rss (MiB) over time (hours) for the samples not older
 *   than {@code window} before the newest one, with R².</li>
 *   <li><b>Steady</b>: at least {@value #STEADY_MIN_SAMPLES} samples spanning at least
 *   {@value #STEADY_MIN_INTERVALS} poll intervals, and R² at least {@value #STEADY_MIN_R2} (points
 *   exactly on a line count as R² = 1).</li>
 *   <li><b>Collections and lows</b>: a collection is a fall of at least
 *   max({@value #DROP_MIN_MIB} MiB, {@value #DROP_FRACTION} × peak) below the running peak since the
 *   previous low; its low is the bottom of that descent (the last sample before memory rises again).</li>
 *   <li><b>Floor slope</b>: least squares over the lows when there are at least two; with no collection
 *   in the window the series never gave memory back, so its floor is the series itself and the floor
 *   slope equals the slope; with exactly one low it is unknown (null).</li>
 *   <li><b>Leak suspected</b>: with at least {@value #FLOOR_MIN_LOWS} lows, the floor slope is positive,
 *   the lows fit a line with R² at least {@value #FLOOR_MIN_R2}, and the floor rose by at least
 *   max({@value #RISE_MIN_MIB} MiB, {@value #RISE_MIN_FRACTION} × first low) over the window. With
 *   fewer lows: the fit is steady, the slope positive, and the fitted line rose by that same amount.
 *   A GC sawtooth whose lows stay level is therefore not a leak, however steep its teeth.</li>
 * </ul>
 *
 * @param samples        samples inside the window
 * @param span           time between the first and last of them
 * @param slopeMiBPerHour least-squares slope, null with fewer than two samples
 * @param r2             R² of that fit, null with it
 * @param steady         the fit is good enough to act on its projection
 * @param lows           post-collection lows found
 * @param floorSlopeMiBPerHour slope of the lows (see above), or null
 * @param leakSuspected  the floor rises steadily
 * @param fitFrom        start of the fitted line (for charts), null without a fit
 * @param fitFromMiB     fitted value there
 * @param fitTo          end of the fitted line (the newest sample)
 * @param fitToMiB       fitted value there
 */
record MemoryTrend(
    int samples,
    Duration span,
    Double slopeMiBPerHour,
    Double r2,
    boolean steady,
    List<MemorySample> lows,
    Double floorSlopeMiBPerHour,
    boolean leakSuspected,
    Instant fitFrom,
    Double fitFromMiB,
    Instant fitTo,
    Double fitToMiB) {

  static final int STEADY_MIN_SAMPLES = 10;
  static final int STEADY_MIN_INTERVALS = 5;
  static final double STEADY_MIN_R2 = 0.8;
  static final double DROP_MIN_MIB = 1.0;
  static final double DROP_FRACTION = 0.03;
  static final int FLOOR_MIN_LOWS = 3;
  static final double FLOOR_MIN_R2 = 0.6;
  static final double RISE_MIN_MIB = 1.0;
  static final double RISE_MIN_FRACTION = 0.02;

  static final MemoryTrend NONE = new MemoryTrend(0, Duration.ZERO, null, null, false, List.of(), null, false,
      null, null, null, null);

  /**
   * Fits the samples (oldest first) that are not older than {@code window} before the newest one.
   */
  static MemoryTrend fit(List<MemorySample> history, Duration window, Duration pollInterval) {
    if (history.isEmpty()) {
      return NONE;
    }
    Instant newest = history.get(history.size() - 1).t();
    Instant from = newest.minus(window);
    List<MemorySample> in = new ArrayList<>();
    for (MemorySample s : history) {
      if (!s.t().isBefore(from)) {
        in.add(s);
      }
    }
    Instant t0 = in.get(0).t();
    Duration span = Duration.between(t0, newest);
    LinearFit fit = fitHours(in, t0);
    if (fit == null) {
      return new MemoryTrend(in.size(), span, null, null, false, List.of(), null, false, null, null, null, null);
    }
    boolean steady = in.size() >= STEADY_MIN_SAMPLES
        && span.compareTo(pollInterval.multipliedBy(STEADY_MIN_INTERVALS)) >= 0
        && (fit.exact() || fit.r2() >= STEADY_MIN_R2);
    double spanHours = hours(t0, newest);
    List<MemorySample> lows = lows(in);
    Double floorSlope;
    boolean leak;
    if (lows.size() >= 2) {
      LinearFit floor = fitHours(lows, t0);
      floorSlope = floor == null ? null : floor.slope();
      if (lows.size() >= FLOOR_MIN_LOWS && floor != null) {
        double rise = floor.slope() * hours(lows.get(0).t(), lows.get(lows.size() - 1).t());
        leak = floor.slope() > 0 && (floor.exact() || floor.r2() >= FLOOR_MIN_R2)
            && rise >= riseThreshold(lows.get(0).rssMiB());
      } else {
        leak = steadyRise(steady, fit, spanHours);
      }
    } else {
      floorSlope = lows.isEmpty() ? fit.slope() : null;
      leak = steadyRise(steady, fit, spanHours);
    }
    return new MemoryTrend(in.size(), span, fit.slope(), fit.r2(), steady, List.copyOf(lows), floorSlope, leak,
        t0, fit.at(0), newest, fit.at(spanHours));
  }

  /** Seconds until {@code limitMiB} at the slope, from {@code currentMiB}; null when not growing or no limit. */
  Double projectedSeconds(double currentMiB, Double limitMiB) {
    if (slopeMiBPerHour == null || slopeMiBPerHour <= 0 || limitMiB == null) {
      return null;
    }
    return Math.max(0, (limitMiB - currentMiB) / slopeMiBPerHour * 3600);
  }

  private static boolean steadyRise(boolean steady, LinearFit fit, double spanHours) {
    return steady && fit.slope() > 0 && fit.slope() * spanHours >= riseThreshold(fit.at(0));
  }

  private static double riseThreshold(double base) {
    return Math.max(RISE_MIN_MIB, RISE_MIN_FRACTION * base);
  }

  /** Bottoms of the significant descents, in time order. */
  static List<MemorySample> lows(List<MemorySample> samples) {
    List<MemorySample> lows = new ArrayList<>();
    double peak = Double.NEGATIVE_INFINITY;
    MemorySample low = null;
    for (MemorySample s : samples) {
      if (low != null) {
        if (s.rssMiB() <= low.rssMiB()) {
          low = s;
          continue;
        }
        lows.add(low);
        low = null;
        peak = s.rssMiB();
      } else if (s.rssMiB() >= peak) {
        peak = s.rssMiB();
      } else if (peak - s.rssMiB() >= Math.max(DROP_MIN_MIB, DROP_FRACTION * peak)) {
        low = s;
      }
    }
    if (low != null) {
      lows.add(low);
    }
    return lows;
  }

  private static LinearFit fitHours(List<MemorySample> pts, Instant t0) {
    double[] x = new double[pts.size()];
    double[] y = new double[pts.size()];
    for (int i = 0; i < pts.size(); i++) {
      x[i] = hours(t0, pts.get(i).t());
      y[i] = pts.get(i).rssMiB();
    }
    return LinearFit.of(x, y, pts.size());
  }

  private static double hours(Instant a, Instant b) {
    return Duration.between(a, b).toNanos() / 3.6e12;
  }
}
