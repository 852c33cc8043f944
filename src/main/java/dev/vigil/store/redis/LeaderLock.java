package dev.vigil.store.redis;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A lease that lets one replica of an application act alone (the keep-alive pinger). The key
 * {@code keyPrefix + "leader:" + appName} holds the holder's instance id and expires after
 * {@code ttl} unless renewed. Call {@link #tryAcquireOrRenew()} every ttl/3 or so, and
 * {@link #release()} on shutdown so another replica takes over without waiting for the ttl.
 *
 * <p>{@code false} from {@link #tryAcquireOrRenew()} means "do not act as leader through Redis":
 * either another replica holds the lease, or Redis is unreachable. To tell the two apart, check
 * {@link RedisStore#connected()}: when it is false there is no shared view, and each replica
 * should decide alone (the contract prefers a duplicate ping to none). Thread-safe.
 */
public final class LeaderLock {
  // Acquire when free, renew when already ours, in one atomic round trip.
  static final RedisScript ACQUIRE_OR_RENEW = new RedisScript(String.join("\n",
      "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end",
      "if redis.call('GET', KEYS[1]) == ARGV[1] then",
      "  redis.call('PEXPIRE', KEYS[1], ARGV[2])",
      "  return 1",
      "end",
      "return 0"));
  // Delete only our own lease: a lease that expired and moved on belongs to someone else.
  static final RedisScript RELEASE = new RedisScript(String.join("\n",
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end",
      "return 0"));

  private final RedisStore store;
  private final String key;
  private final String instanceId;
  private final String ttlMillis;
  private volatile boolean held;

  /**
   * @param store the shared store
   * @param appName {@code app.name}
   * @param instanceId {@code app.instance}, unique per replica
   * @param ttl how long the lease lasts without renewal (positive)
   */
  public LeaderLock(RedisStore store, String appName, String instanceId, Duration ttl) {
    this.store = Objects.requireNonNull(store, "store");
    this.key = store.key("leader:" + Objects.requireNonNull(appName, "appName"));
    this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("leader lock ttl must be positive, got " + ttl);
    }
    this.ttlMillis = Long.toString(ttl.toMillis());
  }

  /**
   * Takes the lease if it is free, or extends it if this instance holds it.
   *
   * @return true when this instance holds the lease for another ttl; false when another instance
   *     holds it or Redis is unreachable (never a failed future)
   */
  public Future<Boolean> tryAcquireOrRenew() {
    return store.eval(ACQUIRE_OR_RENEW, List.of(key), List.of(instanceId, ttlMillis))
        .map(reply -> reply.toLong() == 1)
        .otherwise(false)
        .onSuccess(mine -> held = mine);
  }

  /** Gives the lease up if this instance holds it; completes (never fails) even when Redis is down. */
  public Future<Void> release() {
    held = false;
    return store.eval(RELEASE, List.of(key), List.of(instanceId))
        .<Void>mapEmpty()
        .otherwise((Void) null);
  }

  /** @return the result of the last {@link #tryAcquireOrRenew()}; the lease may have expired since */
  public boolean held() {
    return held;
  }
}
