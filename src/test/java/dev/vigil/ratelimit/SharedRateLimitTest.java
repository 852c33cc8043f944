package dev.vigil.ratelimit;

import static dev.vigil.store.redis.RedisTestSupport.await;
import static dev.vigil.store.redis.RedisTestSupport.connectedStore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.store.redis.RedisStore;
import dev.vigil.testing.RedisServerExtension;
import dev.vigil.testing.RedisServerProcess;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two Vigil replicas, each with its own connection, share one limit through one redis-server. */
@ExtendWith(VertxExtension.class)
class SharedRateLimitTest {
  private static final double ONE_PER_MINUTE = 1.0 / 60;
  private static final int MAX_KEYS = 1_000;
  @RegisterExtension
  final RedisServerExtension redis = new RedisServerExtension();

  @Test
  void twoReplicasShareOneBurst(Vertx vertx) throws Exception {
    RateLimiter a = new RedisRateLimiter(connectedStore(vertx, redis.server(), null), ONE_PER_MINUTE, 10);
    RateLimiter b = new RedisRateLimiter(connectedStore(vertx, redis.server(), null), ONE_PER_MINUTE, 10);
    int allowed = 0;
    long lastRemaining = Long.MAX_VALUE;
    for (int i = 0; i < 40; i++) {
      RateDecision d = await((i % 2 == 0 ? a : b).acquire("client-1"));
      if (d.allowed()) {
        allowed++;
        assertTrue(d.remaining() < lastRemaining, "remaining counts down across replicas");
        lastRemaining = d.remaining();
      } else {
        assertTrue(d.retryAfterMillis() > 50_000 && d.retryAfterMillis() <= 60_000,
            "next permit in about a minute, got " + d.retryAfterMillis());
      }
    }
    assertEquals(10, allowed);
    assertEquals(0, lastRemaining);
    assertTrue(await(a.acquire("client-2")).allowed(), "another key has its own budget");
  }

  @Test
  void fallbackLimitersUseRedisWhileConnected(Vertx vertx) throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    RedisStore storeA = connectedStore(vertx, redis.server(), null);
    RedisStore storeB = connectedStore(vertx, redis.server(), null);
    RateLimiter a = RateLimiter.create(ONE_PER_MINUTE, 5, MAX_KEYS, "shop", storeA, registry);
    RateLimiter b = RateLimiter.create(ONE_PER_MINUTE, 5, MAX_KEYS, "shop", storeB, registry);
    assertTrue(a instanceof FallbackRateLimiter);
    assertTrue(RateLimiter.create(ONE_PER_MINUTE, 5, MAX_KEYS, "shop", null, null) instanceof LocalRateLimiter);
    int allowed = 0;
    for (int i = 0; i < 20; i++) {
      allowed += await((i % 2 == 0 ? a : b).acquire("k")).allowed() ? 1 : 0;
    }
    assertEquals(5, allowed, "local buckets alone would have allowed 10");
    assertEquals(5.0, registry.get("vigil.ratelimit.decisions")
        .tag("backend", "redis").tag("result", "allowed").counter().count());
    assertEquals(15.0, registry.get("vigil.ratelimit.decisions")
        .tag("backend", "redis").tag("result", "denied").counter().count());
  }

  @Test
  void refillsAtTheConfiguredRate(Vertx vertx) throws Exception {
    RateLimiter limiter = new RedisRateLimiter(connectedStore(vertx, redis.server(), null), 20, 1);
    assertTrue(await(limiter.acquire("r")).allowed());
    RateDecision denied = await(limiter.acquire("r"));
    assertFalse(denied.allowed());
    assertTrue(denied.retryAfterMillis() >= 1 && denied.retryAfterMillis() <= 50, denied.toString());
    assertTrue(RedisServerProcess.awaitCondition(java.time.Duration.ofSeconds(2), () -> {
      try {
        return await(limiter.acquire("r")).allowed();
      } catch (Exception e) {
        return false;
      }
    }));
  }

  @Test
  void scriptIsReloadedAfterScriptFlush(Vertx vertx) throws Exception {
    RedisStore store = connectedStore(vertx, redis.server(), null);
    RateLimiter limiter = new RedisRateLimiter(store, 100, 10);
    assertTrue(await(limiter.acquire("s")).allowed());
    await(store.send("SCRIPT", "FLUSH"));
    assertTrue(await(limiter.acquire("s")).allowed(), "NOSCRIPT falls back to EVAL");
    assertTrue(store.connected(), "an error reply does not trip the circuit");
  }
}
