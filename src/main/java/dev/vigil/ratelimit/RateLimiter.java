package dev.vigil.ratelimit;

import dev.vigil.store.redis.RedisStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;

/**
 * Decides whether one more request for a key may pass. Implementations are thread-safe, never
 * block, and complete the future within the configured Redis timeout at the latest; the future
 * never fails.
 *
 * <p>Usage on the request path: {@code limiter.acquire(key.resolve(peer, headers))}, then answer
 * 429 with {@code Retry-After: decision.retryAfterSeconds()} when not allowed.
 */
public interface RateLimiter {
  /**
   * Takes one permit for {@code key} if one is available.
   *
   * @param key the client key from {@link RateLimitKey#resolve}
   * @return the decision; never a failed future
   */
  Future<RateDecision> acquire(String key);

  /**
   * The limiter for {@code ratelimit.*}, the one production and tests build: shared through Redis
   * with a local fallback when a store is given, the local bucket alone otherwise.
   *
   * @param permitsPerSecond from {@code ratelimit.rate}
   * @param burst {@code ratelimit.burst}
   * @param maxKeys {@code ratelimit.maxKeys}: most local buckets kept at once
   * @param appName {@code app.name}: Redis buckets live under {@code rl:<appName>:}, so two apps
   *     sharing one Redis never share a client's bucket
   * @param storeOrNull the Redis store when {@code redis.url} is set, else null
   * @param registryOrNull registers {@code vigil_ratelimit_decisions_total}, or null
   */
  static RateLimiter create(double permitsPerSecond, long burst, int maxKeys, String appName,
      RedisStore storeOrNull, MeterRegistry registryOrNull) {
    LocalRateLimiter local = new LocalRateLimiter(permitsPerSecond, burst, maxKeys, System::nanoTime,
        registryOrNull);
    if (storeOrNull == null) {
      return local;
    }
    return new FallbackRateLimiter(storeOrNull,
        new RedisRateLimiter(storeOrNull, appName, permitsPerSecond, burst), local, registryOrNull);
  }
}
