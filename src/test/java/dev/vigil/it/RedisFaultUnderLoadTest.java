package dev.vigil.it;

import static dev.vigil.it.ItSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.Sidecar;
import dev.vigil.it.ItSupport.Reply;
import dev.vigil.testing.RedisServerProcess;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Redis freezes (SIGSTOP) or dies while proxied traffic flows at about 65 req/s through a rate
 * limiter backed by it: not one request fails, none waits much longer than {@code redis.timeout},
 * health shows {@code fallback-memory}, and the sidecar returns to {@code redis} by itself.
 */
@Timeout(40)
class RedisFaultUnderLoadTest {
  private static final long REDIS_TIMEOUT_MS = 200;
  /** Scheduling slack on a loaded 2-core machine (shared by several builds); the maximum is printed. */
  private static final long SLACK_MS = 300;
  private static final Duration TRIP_BOUND = Duration.ofSeconds(5);
  private static final Duration RECOVERY_BOUND = Duration.ofSeconds(15);
  private static final long SEND_EVERY_MS = 15;

  private Vertx vertx;
  private RedisServerProcess redis;
  private HttpServer upstream;
  private HttpClient client;
  private Sidecar sidecar;
  private Load load;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    redis = RedisServerProcess.start();
    upstream = ItSupport.upstream(vertx);
    client = ItSupport.client(vertx);
    Map<String, String> s = ItSupport.baseSettings(upstream.actualPort());
    s.put("redis.url", redis.url());
    s.put("redis.timeout", REDIS_TIMEOUT_MS + "ms");
    s.put("ratelimit.enabled", "true");
    s.put("ratelimit.rate", "10000/s");
    s.put("ratelimit.burst", "10000");
    sidecar = ItSupport.startSidecar(vertx, s);
    assertEquals("redis", mode(), "connected at start");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (load != null) {
      load.stop();
    }
    ItSupport.stopQuietly(sidecar);
    await(client.close());
    redis.close();
    await(vertx.close());
  }

  @Test
  void frozenRedisNeverFailsOrStallsAProxiedRequest() throws Exception {
    load = new Load(sidecar.proxyPort());
    load.awaitAnswered(60);

    redis.freeze();
    assertTrue(RedisServerProcess.awaitCondition(TRIP_BOUND, () -> "fallback-memory".equals(mode())),
        "mode turns fallback-memory while Redis is frozen: " + redisBlock());
    assertFallbackOverHttp();
    load.awaitAnswered(load.answered() + 100);

    long thawedAt = System.nanoTime();
    redis.thaw();
    assertTrue(RedisServerProcess.awaitCondition(RECOVERY_BOUND, () -> "redis".equals(mode())),
        "mode returns to redis after SIGCONT: " + redisBlock());
    long backMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - thawedAt);
    load.awaitAnswered(load.answered() + 60);

    load.stopAndCheck("SIGSTOP/SIGCONT", backMs);
  }

  @Test
  void killedAndRestartedRedisNeverFailsAProxiedRequest() throws Exception {
    load = new Load(sidecar.proxyPort());
    load.awaitAnswered(60);

    redis.kill();
    assertTrue(RedisServerProcess.awaitCondition(TRIP_BOUND, () -> "fallback-memory".equals(mode())),
        "mode turns fallback-memory once Redis is gone: " + redisBlock());
    assertFallbackOverHttp();
    load.awaitAnswered(load.answered() + 100);

    long restartedAt = System.nanoTime();
    redis.restart();
    assertTrue(RedisServerProcess.awaitCondition(RECOVERY_BOUND, () -> "redis".equals(mode())),
        "mode returns to redis after a restart on the same port: " + redisBlock());
    long backMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartedAt);
    load.awaitAnswered(load.answered() + 60);

    load.stopAndCheck("kill/restart", backMs);
  }

  private void assertFallbackOverHttp() {
    Reply health = ItSupport.getAwait(client, sidecar.proxyPort(), "/sidecar/health");
    JsonObject block = health.json().getJsonObject("redis");
    assertEquals("fallback-memory", block.getString("mode"), health.body());
    assertEquals(true, block.getBoolean("enabled"));
    assertEquals(false, block.getBoolean("connected"));
    assertEquals("degraded", health.json().getString("status"), "Redis configured but down degrades: " + health.body());
    assertEquals(200, health.status());
  }

  private String mode() {
    return redisBlock().getString("mode");
  }

  private JsonObject redisBlock() {
    return ItSupport.redisBlock(sidecar);
  }

  /** Sends one proxied GET every {@value #SEND_EVERY_MS} ms from a timer, recording status and latency. */
  private final class Load {
    private final long timer;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong maxLatencyNanos = new AtomicLong();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final long startedAt = System.nanoTime();

    Load(int port) {
      timer = vertx.setPeriodic(SEND_EVERY_MS, id -> {
        long t0 = System.nanoTime();
        sent.incrementAndGet();
        ItSupport.get(client, port, "/load").onComplete(ar -> {
          long latency = System.nanoTime() - t0;
          maxLatencyNanos.accumulateAndGet(latency, Math::max);
          if (ar.failed()) {
            failures.add("transport: " + ar.cause());
          } else if (ar.result().status() != 200) {
            failures.add(ar.result().status() + " " + ar.result().body());
          }
          answered.incrementAndGet();
        });
      });
    }

    long answered() {
      return answered.get();
    }

    void awaitAnswered(long count) {
      assertTrue(RedisServerProcess.awaitCondition(Duration.ofSeconds(15), () -> answered.get() >= count),
          "load keeps flowing: " + answered.get() + " of " + count + " answered");
    }

    void stop() {
      vertx.cancelTimer(timer);
    }

    void stopAndCheck(String scenario, long backToRedisMs) {
      stop();
      assertTrue(RedisServerProcess.awaitCondition(Duration.ofSeconds(15), () -> answered.get() == sent.get()),
          "every request sent got an answer");
      long maxMs = TimeUnit.NANOSECONDS.toMillis(maxLatencyNanos.get());
      double seconds = (System.nanoTime() - startedAt) / 1e9;
      System.out.printf("%s: %d requests (%.0f req/s), %d failed, max latency %d ms, back to redis %d ms%n",
          scenario, sent.get(), sent.get() / seconds, failures.size(), maxMs, backToRedisMs);
      assertEquals(0, failures.size(), scenario + ": no proxied request fails; first: " + failures.peek());
      assertTrue(maxMs <= REDIS_TIMEOUT_MS + SLACK_MS,
          scenario + ": slowest request took " + maxMs + " ms, over redis.timeout " + REDIS_TIMEOUT_MS
              + " ms + " + SLACK_MS + " ms slack");
    }
  }
}
