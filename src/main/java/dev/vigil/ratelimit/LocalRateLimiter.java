package dev.vigil.ratelimit;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.LongSupplier;

/**
 * A token bucket per key, in this process only. Each bucket holds up to {@code burst} permits and
 * refills at {@code permitsPerSecond}. Buckets live in a Caffeine map bounded to {@code maxKeys};
 * a bucket idle long enough to have refilled completely is dropped, which loses nothing (a new
 * bucket starts full too). Only a flood of more than {@code maxKeys} distinct keys can evict a
 * bucket early, which hands that key a fresh burst: the price of a bounded map.
 *
 * <p>Thread-safe and synchronous: {@link #acquire} returns a completed future, and allowed
 * decisions for small bursts are pre-built, so the common path allocates nothing but the map
 * lookup.
 */
public final class LocalRateLimiter implements RateLimiter {
  /** Default bound on tracked keys. */
  public static final int DEFAULT_MAX_KEYS = 100_000;
  private static final int MAX_CACHED_DECISIONS = 4096;
  private static final double NANOS_PER_SECOND = 1e9;
  private static final Duration MAX_IDLE = Duration.ofDays(1);

  private final double permitsPerNano;
  private final double burst;
  private final LongSupplier nanoClock;
  private final Cache<String, Bucket> buckets;
  private final Function<String, Bucket> newBucket;
  private final RateLimitMetrics metrics;
  private final RateDecision[] allowedDecisions;
  private final Future<RateDecision>[] allowedFutures;

  /** A limiter with {@link #DEFAULT_MAX_KEYS}, the system clock and no metrics. */
  public LocalRateLimiter(double permitsPerSecond, long burst) {
    this(permitsPerSecond, burst, DEFAULT_MAX_KEYS, System::nanoTime, null);
  }

  /**
   * @param permitsPerSecond refill rate, from {@code ratelimit.rate} ({@code ratelimit.rate})
   * @param burst bucket capacity ({@code ratelimit.burst}), at least 1
   * @param maxKeys most buckets kept at once, at least 1
   * @param nanoClock monotonic nanoseconds (System::nanoTime; a fake one in tests)
   * @param registryOrNull registers {@code vigil_ratelimit_decisions_total{backend="local"}}, or null
   */
  @SuppressWarnings("unchecked")
  public LocalRateLimiter(double permitsPerSecond, long burst, int maxKeys, LongSupplier nanoClock,
      MeterRegistry registryOrNull) {
    if (!(permitsPerSecond > 0) || Double.isInfinite(permitsPerSecond)) {
      throw new IllegalArgumentException("ratelimit.rate must be positive, got " + permitsPerSecond);
    }
    if (burst < 1) {
      throw new IllegalArgumentException("ratelimit.burst must be at least 1, got " + burst);
    }
    if (maxKeys < 1) {
      throw new IllegalArgumentException("rate-limit max keys must be at least 1, got " + maxKeys);
    }
    this.permitsPerNano = permitsPerSecond / NANOS_PER_SECOND;
    this.burst = burst;
    this.nanoClock = nanoClock;
    this.metrics = new RateLimitMetrics(registryOrNull);
    this.newBucket = k -> new Bucket(this.burst, nanoClock.getAsLong());
    // After this idle time a bucket is full again, so dropping it changes no decision.
    long refillNanos = (long) Math.min(Math.ceil(burst / permitsPerNano), MAX_IDLE.toNanos());
    Duration refillTime = Duration.ofNanos(refillNanos);
    this.buckets = Caffeine.newBuilder()
        .maximumSize(maxKeys)
        .expireAfterAccess(refillTime.plusSeconds(1))
        .ticker(nanoClock::getAsLong)
        // Evict on the calling thread: the bound holds even while a flood outruns a background pool.
        .executor(Runnable::run)
        .build();
    int cached = (int) Math.min(burst, MAX_CACHED_DECISIONS);
    this.allowedDecisions = new RateDecision[cached + 1];
    this.allowedFutures = new Future[cached + 1];
    for (int remaining = 0; remaining <= cached; remaining++) {
      allowedDecisions[remaining] = new RateDecision(true, 0, remaining);
      allowedFutures[remaining] = Future.succeededFuture(allowedDecisions[remaining]);
    }
  }

  @Override
  public Future<RateDecision> acquire(String key) {
    RateDecision decision = decide(key);
    metrics.local(decision);
    long remaining = decision.remaining();
    return decision.allowed() && remaining < allowedFutures.length
        ? allowedFutures[(int) remaining]
        : Future.succeededFuture(decision);
  }

  /**
   * Decides synchronously without counting metrics; used by {@link FallbackRateLimiter}, which
   * counts under its own backend label.
   */
  RateDecision decide(String key) {
    Bucket bucket = buckets.get(key, newBucket);
    long remaining;
    synchronized (bucket) {
      remaining = bucket.take(nanoClock.getAsLong(), permitsPerNano, burst);
    }
    return toDecision(remaining);
  }

  /** @return the number of tracked keys (after pending evictions), never above max keys */
  public long trackedKeys() {
    buckets.cleanUp();
    return buckets.estimatedSize();
  }

  private RateDecision toDecision(long remainingOrNegativeWait) {
    if (remainingOrNegativeWait >= 0) {
      return remainingOrNegativeWait < allowedDecisions.length
          ? allowedDecisions[(int) remainingOrNegativeWait]
          : new RateDecision(true, 0, remainingOrNegativeWait);
    }
    return new RateDecision(false, -remainingOrNegativeWait, 0);
  }

  /** Mutable bucket state, guarded by its own monitor. */
  private static final class Bucket {
    private double tokens;
    private long lastNanos;

    Bucket(double tokens, long nowNanos) {
      this.tokens = tokens;
      this.lastNanos = nowNanos;
    }

    /** @return permits left after taking one, or minus the milliseconds until one is free (at least 1) */
    long take(long nowNanos, double permitsPerNano, double capacity) {
      long elapsed = nowNanos - lastNanos;
      if (elapsed > 0) {
        tokens = Math.min(capacity, tokens + elapsed * permitsPerNano);
        lastNanos = nowNanos;
      }
      if (tokens >= 1) {
        tokens -= 1;
        return (long) tokens;
      }
      double waitNanos = (1 - tokens) / permitsPerNano;
      return -Math.max(1, (long) Math.ceil(waitNanos / 1e6));
    }
  }
}
