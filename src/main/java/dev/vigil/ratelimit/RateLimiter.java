package dev.vigil.ratelimit;

import io.vertx.core.Future;

/**
 * Decides whether one more request for a key may pass. Implementations are thread-safe, never
 * block, and complete the future within the configured Redis timeout at the latest; the future
 * never fails.
 */
public interface RateLimiter {
  /**
   * Takes one permit for {@code key} if one is available.
   *
   * @param key the client key from {@link RateLimitKey#resolve}
   * @return the decision; never a failed future
   */
  Future<RateDecision> acquire(String key);
}
