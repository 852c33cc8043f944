package dev.vigil.metrics;

/** Traffic in one second: requests finished, of which answered 5xx, and bytes in plus out. */
public record SecondBucket(long epochSecond, long requests, long errors, long bytes) {
}
