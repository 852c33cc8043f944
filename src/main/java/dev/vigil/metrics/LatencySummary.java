package dev.vigil.metrics;

import org.HdrHistogram.AbstractHistogram;

/** Latency percentiles in milliseconds; zeros when nothing was recorded. */
public record LatencySummary(double p50Ms, double p90Ms, double p99Ms, double p999Ms, double maxMs, long count) {

  static LatencySummary of(AbstractHistogram h) {
    if (h.getTotalCount() == 0) {
      return new LatencySummary(0, 0, 0, 0, 0, 0);
    }
    return new LatencySummary(ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)),
        ms(h.getValueAtPercentile(99)), ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()), h.getTotalCount());
  }

  private static double ms(long micros) {
    return Math.round(micros / 10.0) / 100.0;
  }
}
