package dev.vigil.metrics;

/**
 * One finished request as kept in the ring buffer; {@code rejected} is null when the app answered.
 * {@code finishedNanos} is {@link System#nanoTime()} when it was recorded: it orders entries of
 * different event loops, whose millisecond stamps often tie.
 */
public record RequestEntry(long epochMillis, String method, String path, String route, int status, double latencyMs,
                           long bytesIn, long bytesOut, String requestId, Rejection rejected, long finishedNanos) {
}
