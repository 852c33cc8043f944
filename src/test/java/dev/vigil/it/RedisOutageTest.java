package dev.vigil.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.Sidecar;
import dev.vigil.testing.RedisServerExtension;
import dev.vigil.testing.RedisServerProcess;
import dev.vigil.testing.TestUpstream;
import dev.vigil.testing.Vigils;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Redis frozen (SIGSTOP) and killed under a steady load of proxied, rate-limited requests: no
 * request fails or waits much past the Redis timeout, the mode shows fallback-memory, and once
 * Redis is back the mode returns to redis within 15 s.
 */
class RedisOutageTest {

  static final long REDIS_TIMEOUT_MS = 200;
  /** Slack over the Redis timeout for a loaded 2-core machine (JIT, GC, other processes). */
  static final long SLACK_MS = 400;

  private Vertx vertx;
  @RegisterExtension
  final RedisServerExtension redisServer = new RedisServerExtension();
  private RedisServerProcess redis;
  private Sidecar sidecar;
  private HttpClient client;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    redis = redisServer.server();
    TestUpstream app = new TestUpstream(vertx);
    sidecar = Vigils.start(vertx, app.url(), Map.of("redis.url", redis.url(), "redis.timeout", REDIS_TIMEOUT_MS + "ms",
        "ratelimit.enabled", "true", "ratelimit.rate", "100000/s", "ratelimit.burst", "100000"));
    client = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(8));
  }

  @AfterEach
  void tearDown() throws Exception {
    sidecar.stop().await(20, TimeUnit.SECONDS);
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  /** A steady client: about 100 requests per second, recording failures and the slowest answer. */
  private final class Load {
    final AtomicLong sent = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicLong slowestMs = new AtomicLong();
    final AtomicBoolean running = new AtomicBoolean(true);
    long timer;

    Load start() {
      timer = vertx.setPeriodic(10, id -> {
        if (!running.get()) {
          return;
        }
        long begin = System.nanoTime();
        sent.incrementAndGet();
        client.request(HttpMethod.GET, sidecar.proxyPort(), "127.0.0.1", "/work")
            .compose(r -> r.send().compose(resp -> resp.body().map(b -> resp.statusCode())))
            .onComplete(ar -> {
              slowestMs.accumulateAndGet(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - begin), Math::max);
              if (ar.failed() || ar.result() != 200) {
                failed.incrementAndGet();
              }
            });
      });
      return this;
    }

    void stop() {
      running.set(false);
      vertx.cancelTimer(timer);
    }
  }

  private String mode() {
    return sidecar.health().report().getJsonObject("redis").getString("mode");
  }

  @Test
  void frozenRedisNeverFailsOrStallsProxying() throws Exception {
    Load load = new Load().start();
    assertTrue(RedisServerProcess.awaitCondition(Duration.ofSeconds(10), () -> load.sent.get() > 50));
    assertEquals("redis", mode());
    long slowestBefore = load.slowestMs.get();
    redis.freeze();
    assertTrue(RedisServerProcess.awaitCondition(Duration.ofSeconds(10), () -> mode().equals("fallback-memory")),
        "mode fallback-memory while frozen");
    long sentAtFreeze = load.sent.get();
    assertTrue(RedisServerProcess.awaitCondition(Duration.ofSeconds(10), () -> load.sent.get() > sentAtFreeze + 100));
    redis.thaw();
    long thawed = System.nanoTime();
    assertTrue(RedisServerProcess.awaitCondition(Duration.ofSeconds(15), () -> mode().equals("redis")),
        "back to redis within 15 s");
    long backMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - thawed);
    load.stop();
    assertEquals(0, load.failed.get(), "failed proxied requests");
    assertTrue(load.slowestMs.get() <= REDIS_TIMEOUT_MS + SLACK_MS,
        "slowest request " + load.slowestMs.get() + " ms (before the freeze: " + slowestBefore + " ms)");
    System.out.printf("freeze: %d requests, slowest %d ms, back to redis after %d ms%n", load.sent.get(),
        load.slowestMs.get(), backMs);
  }

  @Test
  void killedRedisNeverFailsProxyingAndReconnectsAfterRestart() throws Exception {
    Load load = new Load().start();
    assertTrue(RedisServerProcess.awaitCondition(Duration.ofSeconds(10), () -> load.sent.get() > 50));
    redis.kill();
    assertTrue(RedisServerProcess.awaitCondition(Duration.ofSeconds(10), () -> mode().equals("fallback-memory")));
    long sentAtKill = load.sent.get();
    assertTrue(RedisServerProcess.awaitCondition(Duration.ofSeconds(10), () -> load.sent.get() > sentAtKill + 100));
    redis.restart();
    long restarted = System.nanoTime();
    assertTrue(RedisServerProcess.awaitCondition(Duration.ofSeconds(15), () -> mode().equals("redis")),
        "back to redis within 15 s of the restart");
    long backMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted);
    load.stop();
    assertEquals(0, load.failed.get(), "failed proxied requests");
    assertTrue(load.slowestMs.get() <= REDIS_TIMEOUT_MS + SLACK_MS, "slowest request " + load.slowestMs.get() + " ms");
    System.out.printf("kill: %d requests, slowest %d ms, back to redis after %d ms%n", load.sent.get(),
        load.slowestMs.get(), backMs);
  }
}
