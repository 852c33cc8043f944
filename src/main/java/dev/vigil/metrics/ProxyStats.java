package dev.vigil.metrics;

import java.util.List;
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
}
