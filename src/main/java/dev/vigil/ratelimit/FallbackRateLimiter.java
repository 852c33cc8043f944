package dev.vigil.ratelimit;

import dev.vigil.store.redis.RedisStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;

/**
 * The request-path limiter when {@code redis.url} is set: Redis decides while the store is
 * connected; otherwise the local bucket does. When a Redis call fails or times out, that same
 * request is decided locally, so no request fails or waits longer than {@code redis.timeout}; the
 * store has then already flipped to {@code fallback-memory}, so later requests go straight to the
 * local bucket (no Redis wait at all) until the store reconnects.
 *
 * <p>While in fallback each replica enforces the whole limit on its own, so the fleet-wide limit
 * is at most replicas times the configured rate until Redis returns. Thread-safe; the future never
 * fails.
 */
public final class FallbackRateLimiter implements RateLimiter {
  private final RedisStore store;
  private final RedisRateLimiter redis;
  private final LocalRateLimiter local;
  private final RateLimitMetrics metrics;

  /** Without metrics. */
  public FallbackRateLimiter(RedisStore store, RedisRateLimiter redis, LocalRateLimiter local) {
    this(store, redis, local, null);
  }

  /**
   * @param registryOrNull registers {@code vigil_ratelimit_decisions_total} with
   *     {@code backend="redis"} or {@code backend="fallback"}, or null. The local limiter is
   *     consulted without its own counting, so no decision is counted twice.
   */
  public FallbackRateLimiter(RedisStore store, RedisRateLimiter redis, LocalRateLimiter local,
      MeterRegistry registryOrNull) {
    this.store = store;
    this.redis = redis;
    this.local = local;
    this.metrics = new RateLimitMetrics(registryOrNull);
  }

  @Override
  public Future<RateDecision> acquire(String key) {
    if (!store.connected()) {
      return Future.succeededFuture(decideLocally(key));
    }
    return redis.acquire(key)
        .map(decision -> {
          metrics.redis(decision);
          return decision;
        })
        .recover(err -> Future.succeededFuture(decideLocally(key)));
  }

  private RateDecision decideLocally(String key) {
    RateDecision decision = local.decide(key);
    metrics.fallback(decision);
    return decision;
  }
}
