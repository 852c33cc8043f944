package dev.vigil.ratelimit;

import static dev.vigil.store.redis.RedisTestSupport.await;
import static dev.vigil.store.redis.RedisTestSupport.connectedStore;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.store.redis.RedisStore;
import dev.vigil.testing.RedisServerProcess;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A rough figure for the README, not a benchmark: the per-request cost of the local bucket and of
 * one Redis round trip on loopback. Only asserts that everything completed; the figures go to
 * target/surefire-reports/dev.vigil.ratelimit.AcquireLatencyTest-output.txt.
 */
@ExtendWith(VertxExtension.class)
class AcquireLatencyTest {
  private static final int REDIS_CALLS = 5_000;

  @Test
  void measureLocalAndRedisAcquire(Vertx vertx) throws Exception {
    LocalRateLimiter local = new LocalRateLimiter(1e6, 1_000_000);
    String[] keys = new String[1000];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = "10.0.0." + i;
    }
    for (int i = 0; i < 2_000_000; i++) {
      local.acquire(keys[i % keys.length]);
    }
    int localCalls = 5_000_000;
    long start = System.nanoTime();
    for (int i = 0; i < localCalls; i++) {
      local.acquire(keys[i % keys.length]);
    }
    double localNanos = (System.nanoTime() - start) / (double) localCalls;

    try (RedisServerProcess server = RedisServerProcess.start()) {
      RedisStore store = connectedStore(vertx, server, null);
      RateLimiter redis = new FallbackRateLimiter(store, new RedisRateLimiter(store, 1e6, 1_000_000),
          new LocalRateLimiter(1e6, 1_000_000));
      long[] micros = await(sequential(vertx, redis, keys));
      Arrays.sort(micros);
      System.out.printf("local acquire: %.0f ns/op (5M calls, 1000 keys, one thread)%n", localNanos);
      System.out.printf("redis acquire (loopback, one at a time from an event loop): "
          + "p50 %d us, p90 %d us, p99 %d us, max %d us over %d calls%n",
          micros[micros.length / 2], micros[micros.length * 9 / 10], micros[micros.length * 99 / 100],
          micros[micros.length - 1], micros.length);
      assertTrue(store.connected());
    }
  }

  /** Issues the calls one after another on an event loop, recording each round trip. */
  private static Future<long[]> sequential(Vertx vertx, RateLimiter limiter, String[] keys) {
    Promise<long[]> done = Promise.promise();
    long[] micros = new long[REDIS_CALLS];
    vertx.runOnContext(v -> next(limiter, keys, micros, 0, done));
    return done.future();
  }

  private static void next(RateLimiter limiter, String[] keys, long[] micros, int i, Promise<long[]> done) {
    if (i == micros.length) {
      done.complete(micros);
      return;
    }
    long start = System.nanoTime();
    limiter.acquire(keys[i % keys.length]).onComplete(ar -> {
      micros[i] = (System.nanoTime() - start) / 1000;
      next(limiter, keys, micros, i + 1, done);
    });
  }
}
