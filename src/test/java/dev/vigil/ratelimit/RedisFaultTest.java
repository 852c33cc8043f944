package dev.vigil.ratelimit;

import static dev.vigil.store.redis.RedisTestSupport.TEST_TIMEOUT;
import static dev.vigil.store.redis.RedisTestSupport.await;
import static dev.vigil.store.redis.RedisTestSupport.connectedStore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.store.redis.RedisStore;
import dev.vigil.testing.RedisServerExtension;
import dev.vigil.testing.RedisServerProcess;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Redis freezes (SIGSTOP), dies and comes back while requests keep arriving: every acquire still
 * completes within the command timeout plus slack, the store reports fallback-memory, and Redis
 * takes over again by itself.
 */
@ExtendWith(VertxExtension.class)
class RedisFaultTest {
  /** Scheduling slack on a loaded 2-core machine; the measured maximum is printed. */
  private static final long SLACK_MILLIS = 400;
  private static final Duration RECOVERY_BOUND = Duration.ofSeconds(15);

  @RegisterExtension
  final RedisServerExtension redis = new RedisServerExtension();
  private SimpleMeterRegistry registry;

  @BeforeEach
  void setUp() {
    registry = new SimpleMeterRegistry();
  }

  @Test
  void frozenRedisFallsBackWithinTheTimeoutAndRecoversAfterThaw(Vertx vertx) throws Exception {
    RedisStore store = connectedStore(vertx, redis.server(), registry);
    Load load = new Load(vertx, limiter(store));
    assertTrue(awaitCount("redis", 50), "decisions come from Redis while it is up");

    redis.server().freeze();
    double fallbackBefore = decisions("fallback");
    assertTrue(RedisServerProcess.awaitCondition(Duration.ofSeconds(5), () -> !store.connected()));
    assertEquals(RedisStore.MODE_FALLBACK, store.mode());
    assertTrue(awaitCount("fallback", fallbackBefore + 200), "local bucket decides while frozen");

    load.stopAndCheck("freeze");
    assertTrue(registry.get("vigil.redis.command.failures").tag("reason", "timeout").counter().count() >= 1);

    long thawedAt = System.nanoTime();
    redis.server().thaw();
    assertTrue(RedisServerProcess.awaitCondition(RECOVERY_BOUND, store::connected),
        "mode returns to redis after SIGCONT");
    System.out.printf("recovered %d ms after SIGCONT%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - thawedAt));
    Load after = new Load(vertx, limiter(store));
    assertTrue(awaitCount("redis", decisions("redis") + 20));
    after.stopAndCheck("after thaw");
    assertEquals(RedisStore.MODE_REDIS, store.mode());
  }

  @Test
  void longFreezeAbandonsHungHandshakesWithoutLeakingConnections(Vertx vertx) throws Exception {
    RedisStore store = connectedStore(vertx, redis.server(), registry);
    redis.server().freeze();
    assertTrue(RedisServerProcess.awaitCondition(Duration.ofSeconds(5), () -> !store.connected()));
    // The frozen kernel still accepts TCP connections, so reconnects hang in the handshake:
    // wait until at least two of them were given up.
    assertTrue(RedisServerProcess.awaitCondition(Duration.ofSeconds(10),
        () -> registry.get("vigil.redis.connects").tag("result", "failure").counter().count() >= 2));
    assertEquals(RedisStore.MODE_FALLBACK, store.mode());

    redis.server().thaw();
    assertTrue(RedisServerProcess.awaitCondition(RECOVERY_BOUND, store::connected));
    // Abandoned handshakes are closed, not kept: only the store's own connection remains.
    assertTrue(RedisServerProcess.awaitCondition(Duration.ofSeconds(10),
        () -> connectedClients(store) == 1), "connected_clients " + connectedClients(store));
  }

  private static long connectedClients(RedisStore store) {
    try {
      String info = await(store.send("INFO", "clients")).toString();
      for (String line : info.split("\r?\n")) {
        if (line.startsWith("connected_clients:")) {
          return Long.parseLong(line.substring("connected_clients:".length()).trim());
        }
      }
      return -1;
    } catch (Exception e) {
      return -1;
    }
  }

  @Test
  void killedRedisFallsBackAndRecoversAfterRestartOnTheSamePort(Vertx vertx) throws Exception {
    RedisStore store = connectedStore(vertx, redis.server(), registry);
    Load load = new Load(vertx, limiter(store));
    assertTrue(awaitCount("redis", 50));

    redis.server().kill();
    assertTrue(RedisServerProcess.awaitCondition(Duration.ofSeconds(5), () -> !store.connected()));
    assertTrue(awaitCount("fallback", decisions("fallback") + 100));

    long restartedAt = System.nanoTime();
    redis.server().restart();
    assertTrue(RedisServerProcess.awaitCondition(RECOVERY_BOUND, store::connected));
    System.out.printf("recovered %d ms after restart%n",
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restartedAt));
    assertTrue(awaitCount("redis", decisions("redis") + 20), "script reloaded on the new server");
    load.stopAndCheck("kill and restart");
  }

  @Test
  void startsWhileRedisIsDownAndConnectsWhenItAppears(Vertx vertx) throws Exception {
    redis.server().kill();
    RedisStore store = new RedisStore(vertx, redis.server().url(), TEST_TIMEOUT, "vigil-test:", registry,
        Duration.ofMillis(250));
    await(store.start());
    assertEquals(RedisStore.MODE_FALLBACK, store.mode());
    RateDecision d = await(limiter(store).acquire("k"));
    assertTrue(d.allowed(), "the local bucket answers");

    redis.server().restart();
    assertTrue(RedisServerProcess.awaitCondition(RECOVERY_BOUND, store::connected));
    assertEquals(1.0, registry.get("vigil.redis.up").gauge().value());
    await(store.stop());
    assertEquals(0.0, registry.get("vigil.redis.up").gauge().value());
  }

  private FallbackRateLimiter limiter(RedisStore store) {
    return new FallbackRateLimiter(store, new RedisRateLimiter(store, 1000, 1000),
        new LocalRateLimiter(1000, 1000), registry);
  }

  private double decisions(String backend) {
    return registry.find("vigil.ratelimit.decisions").tag("backend", backend).counters().stream()
        .mapToDouble(c -> c.count()).sum();
  }

  private boolean awaitCount(String backend, double atLeast) {
    return RedisServerProcess.awaitCondition(Duration.ofSeconds(10), () -> decisions(backend) >= atLeast);
  }

  /** Five acquires every 10 ms from an event loop, as the proxy would issue them. */
  private static final class Load {
    private final Vertx vertx;
    private final long timer;
    private final AtomicInteger issued = new AtomicInteger();
    private final AtomicInteger completed = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();
    private final AtomicLong maxLatencyNanos = new AtomicLong();

    Load(Vertx vertx, RateLimiter limiter) {
      this.vertx = vertx;
      this.timer = vertx.setPeriodic(10, id -> {
        for (int i = 0; i < 5; i++) {
          long start = System.nanoTime();
          issued.incrementAndGet();
          limiter.acquire("client-" + (i % 3)).onComplete(ar -> {
            maxLatencyNanos.accumulateAndGet(System.nanoTime() - start, Math::max);
            if (ar.failed()) {
              failed.incrementAndGet();
            }
            completed.incrementAndGet();
          });
        }
      });
    }

    void stopAndCheck(String phase) {
      vertx.cancelTimer(timer);
      assertTrue(RedisServerProcess.awaitCondition(Duration.ofSeconds(5),
          () -> completed.get() == issued.get()), "every acquire completes");
      long maxMillis = TimeUnit.NANOSECONDS.toMillis(maxLatencyNanos.get());
      System.out.printf("%s: %d acquires, slowest %d ms (timeout %d ms)%n",
          phase, issued.get(), maxMillis, TEST_TIMEOUT.toMillis());
      assertEquals(0, failed.get(), "no acquire fails");
      assertTrue(maxMillis <= TEST_TIMEOUT.toMillis() + SLACK_MILLIS,
          "slowest acquire took " + maxMillis + " ms");
    }
  }
}
