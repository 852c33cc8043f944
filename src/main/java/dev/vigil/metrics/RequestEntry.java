package dev.vigil.metrics;

/** One finished request as kept in the ring buffer; {@code rejected} is null when the app answered. */
public record RequestEntry(long epochMillis, String method, String path, String route, int status, double latencyMs,
                           long bytesIn, long bytesOut, String requestId, Rejection rejected) {
}
