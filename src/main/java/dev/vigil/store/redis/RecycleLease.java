package dev.vigil.store.redis;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * At most {@code maxConcurrent} replicas of one {@code app.name} recycle at once
 * ({@code recycle.maxConcurrent}). The holders are members of the sorted set
 * {@code keyPrefix + "recycle:" + appName}, scored by when their lease expires (Redis's own clock, so
 * replicas' clocks do not matter); expired members are dropped on every acquire, so a holder killed
 * with SIGKILL blocks the others for at most {@code ttl}. A holder renews with
 * {@link #tryAcquire()} every ttl/3 while it recycles and calls {@link #release()} at the end.
 *
 * <p>Without Redis, or with Redis unreachable, the answer is {@link Outcome#ALONE}: there is no shared
 * view, so each replica decides alone (and says so in {@code issues}). Thread-safe.
 */
public final class RecycleLease {

  /** What {@link #tryAcquire()} found. */
  public enum Outcome {
    /** This replica holds (or renewed) a slot for another ttl. */
    ACQUIRED,
    /** {@code maxConcurrent} other replicas are recycling: wait and try again. */
    BUSY,
    /** No shared view (no Redis, or Redis down): go ahead alone. */
    ALONE
  }

  // Drop expired holders, renew ours, or take a free slot; all in one atomic round trip on Redis's clock.
  static final RedisScript ACQUIRE = new RedisScript(String.join("\n",
      "local t = redis.call('TIME')",
      "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)",
      "local ttl = tonumber(ARGV[2])",
      "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)",
      "if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then",
      "  redis.call('ZADD', KEYS[1], now + ttl, ARGV[1])",
      "  redis.call('PEXPIRE', KEYS[1], ttl)",
      "  return 1",
      "end",
      "return 0"));

  private final RedisStore store;
  private final String key;
  private final String instanceId;
  private final String ttlMillis;
  private final String maxConcurrent;

  /**
   * @param store          the shared store, or null without Redis
   * @param appName        {@code app.name}
   * @param instanceId     {@code app.instance}, unique per replica
   * @param maxConcurrent  {@code recycle.maxConcurrent}, at least 1
   * @param ttl            how long a slot lasts without renewal
   */
  public RecycleLease(RedisStore store, String appName, String instanceId, int maxConcurrent, Duration ttl) {
    this.store = store;
    this.key = store == null ? null : store.key("recycle:" + Objects.requireNonNull(appName, "appName"));
    this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
    if (maxConcurrent < 1) {
      throw new IllegalArgumentException("recycle.maxConcurrent must be at least 1, not " + maxConcurrent);
    }
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("recycle lease ttl must be positive, got " + ttl);
    }
    this.ttlMillis = Long.toString(ttl.toMillis());
    this.maxConcurrent = Integer.toString(maxConcurrent);
  }

  /** Takes a slot, or renews ours; never a failed future. */
  public Future<Outcome> tryAcquire() {
    if (store == null || !store.connected()) {
      return Future.succeededFuture(Outcome.ALONE);
    }
    return store.eval(ACQUIRE, List.of(key), List.of(instanceId, ttlMillis, maxConcurrent))
        .map(reply -> reply.toLong() == 1 ? Outcome.ACQUIRED : Outcome.BUSY)
        .otherwise(Outcome.ALONE);
  }

  /** Gives our slot up (no-op when we hold none); never fails. */
  public Future<Void> release() {
    if (store == null) {
      return Future.succeededFuture();
    }
    return store.send("ZREM", key, instanceId).<Void>mapEmpty().otherwise((Void) null);
  }

  /** True when there is no Redis at all (as opposed to Redis being down now). */
  public boolean standalone() {
    return store == null;
  }
}
