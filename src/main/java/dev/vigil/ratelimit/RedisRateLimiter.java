package dev.vigil.ratelimit;

import dev.vigil.store.redis.RedisReply;
import dev.vigil.store.redis.RedisScript;
import dev.vigil.store.redis.RedisStore;
import io.vertx.core.Future;
import java.util.List;

/**
 * One limit shared by every replica: GCRA (the generic cell rate algorithm, a token bucket kept as
 * a single "theoretical arrival time") in one atomic Lua script, under
 * {@code keyPrefix + "rl:" + key}. The script reads the clock with Redis {@code TIME}, so replicas
 * with skewed clocks still agree, and the key expires as soon as the bucket would be full again.
 * Needs Redis 5 or newer (scripts that read {@code TIME} before writing).
 *
 * <p>On its own this limiter fails its future when Redis fails; wrap it in
 * {@link FallbackRateLimiter} on the request path.
 */
public final class RedisRateLimiter implements RateLimiter {
  static final RedisScript GCRA = new RedisScript(String.join("\n",
      "local emission = tonumber(ARGV[1])",
      "local burst = tonumber(ARGV[2])",
      "local t = redis.call('TIME')",
      "local now = tonumber(t[1]) * 1000000 + tonumber(t[2])",
      "local tat = tonumber(redis.call('GET', KEYS[1]))",
      "if tat == nil or tat < now then tat = now end",
      "local newTat = tat + emission",
      "local allowAt = newTat - emission * burst",
      "if allowAt > now then",
      "  return {0, math.ceil((allowAt - now) / 1000), 0}",
      "end",
      "redis.call('SET', KEYS[1], string.format('%.0f', newTat), 'PX', math.ceil((newTat - now) / 1000))",
      "return {1, 0, math.floor((now - allowAt) / emission + 1e-9)}"));

  private final RedisStore store;
  private final String namespace;
  private final String emissionMicros;
  private final String burst;

  /**
   * @param store the shared store
   * @param permitsPerSecond refill rate, from {@code ratelimit.rate}
   * @param burst permits available at once, at least 1
   */
  public RedisRateLimiter(RedisStore store, double permitsPerSecond, long burst) {
    this(store, null, permitsPerSecond, burst);
  }

  /**
   * Like {@link #RedisRateLimiter(RedisStore, double, long)}, with buckets under
   * {@code rl:<appName>:} so that two apps sharing one Redis never share a client's bucket.
   */
  public RedisRateLimiter(RedisStore store, String appName, double permitsPerSecond, long burst) {
    if (!(permitsPerSecond > 0) || Double.isInfinite(permitsPerSecond)) {
      throw new IllegalArgumentException("ratelimit.rate must be positive, got " + permitsPerSecond);
    }
    if (burst < 1) {
      throw new IllegalArgumentException("ratelimit.burst must be at least 1, got " + burst);
    }
    this.store = store;
    this.namespace = appName == null ? "rl:" : "rl:" + appName + ":";
    this.emissionMicros = Double.toString(1e6 / permitsPerSecond);
    this.burst = Long.toString(burst);
  }

  /** @return the decision; fails when Redis is down, times out or answers an error */
  @Override
  public Future<RateDecision> acquire(String key) {
    return store.eval(GCRA, List.of(store.key(namespace + key)), List.of(emissionMicros, burst))
        .map(RedisRateLimiter::toDecision);
  }

  private static RateDecision toDecision(RedisReply reply) {
    return new RateDecision(reply.get(0).toLong() == 1, reply.get(1).toLong(), reply.get(2).toLong());
  }
}
