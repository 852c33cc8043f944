package dev.vigil.metrics;

import dev.vigil.health.Finding;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A consistent-enough read of the request metrics for the health document and the dashboard.
 *
 * @param statusClasses counts for 1xx..5xx, index 0 is 1xx
 * @param rejected every cause's label with its count, zeros included
 */
public record ProxyStats(long requestsTotal, double rps1m, double errorRate1m, LatencySummary window1m,
                         LatencySummary window5m, LatencySummary sinceStart, long[] statusClasses,
                         Map<String, Long> rejected, int ringSize, int ringCapacity, int routes,
                         List<SecondBucket> lastSeconds) {

  /** Degraded when more than {@code errorRateDegraded} (a share, {@code health.errorRateDegraded}) of the last minute was 5xx. */
  public List<Finding> findings(double errorRateDegraded) {
    if (errorRate1m > errorRateDegraded) {
      return List.of(Finding.degraded(String.format(Locale.ROOT,
          "%.1f%% of requests in the last minute were answered 5xx (more than %.1f%%)",
          errorRate1m * 100, errorRateDegraded * 100)));
    }
    return List.of();
  }
}
