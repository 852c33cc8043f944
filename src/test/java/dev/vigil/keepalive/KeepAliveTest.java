package dev.vigil.keepalive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Drives {@link KeepAlive} against a real HTTP server on port 0 with 100 ms intervals. The test
 * thread only waits (bounded) for conditions checked on a Vert.x timer; assertions on time use
 * lower bounds only, which a loaded machine cannot break.
 */
@ExtendWith(VertxExtension.class)
class KeepAliveTest {
  private static final Duration INTERVAL = Duration.ofMillis(100);
  private static final long WAIT_SECONDS = 10;
  private static final LongSupplier NO_TRAFFIC = () -> 0L;

  /** A real upstream whose answer the test can change. */
  static final class Backend {
    final AtomicInteger hits = new AtomicInteger();
    final ConcurrentLinkedQueue<Long> arrivalsNanos = new ConcurrentLinkedQueue<>();
    volatile int status = 200;
    volatile boolean hang;
    HttpServer server;

    URI target() {
      return URI.create("http://127.0.0.1:" + server.actualPort() + "/api/health");
    }
  }

  private static Backend startBackend(Vertx vertx) {
    Backend backend = new Backend();
    backend.server = await(vertx.createHttpServer()
        .requestHandler(req -> {
          backend.arrivalsNanos.add(System.nanoTime());
          backend.hits.incrementAndGet();
          if (!backend.hang) {
            req.response().setStatusCode(backend.status).end("{\"status\":\"up\"}");
          }
        })
        .listen(0, "127.0.0.1"));
    return backend;
  }

  private static KeepAliveOptions fast(URI target) {
    return KeepAliveOptions.defaults(URI.create("http://127.0.0.1:1"))
        .withTarget(target)
        .withWindows(List.of())
        .withDefaultInterval(INTERVAL)
        .withJitter(0)
        .withTimeout(Duration.ofSeconds(2))
        .withMaxBackoff(Duration.ofMillis(400));
  }

  private static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("not completed within " + WAIT_SECONDS + " s", e);
    }
  }

  /** Blocks the test thread until {@code condition} holds, checked every 10 ms on a Vert.x timer. */
  private static void waitUntil(Vertx vertx, String what, BooleanSupplier condition) {
    Promise<Void> promise = Promise.promise();
    long timer = vertx.setPeriodic(10, id -> {
      if (condition.getAsBoolean()) {
        promise.tryComplete();
      }
    });
    try {
      await(promise.future());
    } catch (AssertionError e) {
      throw new AssertionError("waiting for " + what, e);
    } finally {
      vertx.cancelTimer(timer);
    }
  }

  private static void pause(Vertx vertx, long millis) {
    await(vertx.timer(millis, TimeUnit.MILLISECONDS));
  }

  @Test
  void pingsArriveOneIntervalAfterStartAndAreReported(Vertx vertx) {
    Backend backend = startBackend(vertx);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    KeepAlive keepAlive = new KeepAlive(vertx, fast(backend.target()), Clock.systemUTC(), NO_TRAFFIC, registry);

    JsonObject before = keepAlive.healthJson();
    assertEquals("none", before.getString("last_result"));
    assertNull(before.getValue("last_ping"));
    assertNull(before.getValue("next_ping_in_s"));

    long startNanos = System.nanoTime();
    Instant startInstant = Instant.now();
    await(keepAlive.start());
    JsonObject scheduled = keepAlive.healthJson();
    assertTrue(scheduled.getDouble("next_ping_in_s") <= 0.1, scheduled.encode());
    waitUntil(vertx, "3 pings", () -> keepAlive.snapshot().pingsTotal() >= 3);

    long firstArrival = backend.arrivalsNanos.peek();
    assertTrue(firstArrival - startNanos >= TimeUnit.MILLISECONDS.toNanos(90),
        "first ping one interval after start, came after " + (firstArrival - startNanos) / 1e6 + " ms");
    JsonObject health = keepAlive.healthJson();
    assertEquals(true, health.getBoolean("enabled"));
    assertEquals(backend.target().toString(), health.getString("target"));
    assertEquals(0.1, health.getDouble("interval_s"));
    assertEquals("ok", health.getString("last_result"));
    assertFalse(Instant.parse(health.getString("last_ping")).isBefore(startInstant), health.encode());
    assertTrue(health.getLong("pings_total") >= 3);
    assertEquals(0L, health.getLong("skipped_total"));
    assertEquals(0, health.getInteger("consecutive_failures"));
    assertNotNull(health.getDouble("last_latency_ms"));
    assertEquals(List.of(), keepAlive.issues());

    String scrape = registry.scrape();
    assertTrue(scrape.contains("vigil_keepalive_pings_total{result=\"ok\"}"), scrape);
    assertTrue(scrape.contains("vigil_keepalive_pings_total{result=\"failed\"} 0.0"), scrape);
    assertTrue(scrape.contains("vigil_keepalive_pings_total{result=\"skipped_traffic\"} 0.0"), scrape);
    assertTrue(scrape.contains("vigil_keepalive_pings_total{result=\"not_leader\"} 0.0"), scrape);
    assertTrue(scrape.contains("vigil_keepalive_next_ping_seconds "), scrape);
    assertTrue(scrape.contains("vigil_keepalive_interval_seconds 0.1"), scrape);
    assertTrue(scrape.contains("vigil_keepalive_consecutive_failures 0.0"), scrape);

    await(keepAlive.stop());
    int hitsAtStop = backend.hits.get();
    pause(vertx, 5 * INTERVAL.toMillis());
    assertEquals(hitsAtStop, backend.hits.get(), "no ping after stop()");
    assertNull(keepAlive.healthJson().getValue("next_ping_in_s"));
  }

  @Test
  void trafficWithinTheIntervalSkipsOnePingAndRestartsTheInterval(Vertx vertx) {
    Backend backend = startBackend(vertx);
    // Traffic got an answer just before the first due time, and none after it.
    AtomicLong lastGoodTraffic = new AtomicLong(-1);
    LongSupplier traffic = () -> {
      lastGoodTraffic.compareAndSet(-1, System.currentTimeMillis() - 1);
      return lastGoodTraffic.get();
    };
    KeepAlive keepAlive = new KeepAlive(vertx, fast(backend.target()), Clock.systemUTC(), traffic, null);
    long startNanos = System.nanoTime();
    await(keepAlive.start());

    waitUntil(vertx, "a ping after the skipped one", () -> keepAlive.snapshot().pingsTotal() >= 1);
    KeepAliveSnapshot s = keepAlive.snapshot();
    assertEquals(1, s.skippedTotal(), "exactly the first due time is skipped");
    assertEquals(PingResult.OK, s.lastResult());
    long firstArrival = backend.arrivalsNanos.peek();
    assertTrue(firstArrival - startNanos >= ms(190),
        "the skip restarts the interval; ping came after " + (firstArrival - startNanos) / 1e6 + " ms");
  }

  @Test
  void intervalAndWindowsFollowTheInjectedClock(Vertx vertx) {
    KeepAliveOptions defaults = KeepAliveOptions.defaults(URI.create("http://127.0.0.1:8000"));
    Clock noon = Clock.fixed(Instant.parse("2026-11-22T12:00:00Z"), java.time.ZoneOffset.UTC);
    Clock night = Clock.fixed(Instant.parse("2026-11-22T23:00:00Z"), java.time.ZoneOffset.UTC);
    assertEquals(600.0, new KeepAlive(vertx, defaults, noon, NO_TRAFFIC, null).healthJson().getDouble("interval_s"));
    assertEquals(1800.0, new KeepAlive(vertx, defaults, night, NO_TRAFFIC, null).healthJson().getDouble("interval_s"));
    assertEquals("http://127.0.0.1:8000/api/health",
        new KeepAlive(vertx, defaults, noon, NO_TRAFFIC, null).healthJson().getString("target"));
  }

  @Test
  void steadyTrafficKeepsSkippingPings(Vertx vertx) {
    Backend backend = startBackend(vertx);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    KeepAlive keepAlive = new KeepAlive(vertx, fast(backend.target()), Clock.systemUTC(),
        System::currentTimeMillis, registry);
    await(keepAlive.start());

    waitUntil(vertx, "3 skips", () -> keepAlive.snapshot().skippedTotal() >= 3);
    JsonObject health = keepAlive.healthJson();
    assertEquals("skipped_traffic", health.getString("last_result"));
    assertEquals(0L, health.getLong("pings_total"));
    assertNull(health.getValue("last_ping"));
    assertEquals(0, backend.hits.get());
    assertTrue(registry.scrape().contains("vigil_keepalive_pings_total{result=\"skipped_traffic\"}"));
    assertFalse(registry.scrape().contains("vigil_keepalive_pings_total{result=\"skipped_traffic\"} 0.0"));
  }

  @Test
  void serverErrorsBackOffAndASuccessResets(Vertx vertx) {
    Backend backend = startBackend(vertx);
    backend.status = 503;
    KeepAlive keepAlive = new KeepAlive(vertx, fast(backend.target()), Clock.systemUTC(), NO_TRAFFIC, null);
    await(keepAlive.start());

    waitUntil(vertx, "4 failures", () -> keepAlive.snapshot().consecutiveFailures() >= 4);
    JsonObject health = keepAlive.healthJson();
    assertEquals("failed", health.getString("last_result"));
    assertEquals("HTTP 503", health.getString("last_error"));
    assertTrue(health.getLong("failures_total") >= 4);
    String issue = keepAlive.issues().get(0);
    assertTrue(issue.startsWith("keep-alive pings to " + backend.target() + " failed "), issue);
    assertTrue(issue.contains("times in a row (last: HTTP 503); next try in"), issue);

    // Delays after failures 1, 2, 3: 200 ms, 400 ms, 400 ms (capped). Lower bounds only.
    Long[] at = backend.arrivalsNanos.toArray(new Long[0]);
    assertTrue(at[1] - at[0] >= ms(190), "gap 1: " + (at[1] - at[0]) / 1e6);
    assertTrue(at[2] - at[1] >= ms(380), "gap 2: " + (at[2] - at[1]) / 1e6);
    assertTrue(at[3] - at[2] >= ms(380), "gap 3: " + (at[3] - at[2]) / 1e6);

    backend.status = 204;
    waitUntil(vertx, "recovery", () -> keepAlive.snapshot().lastResult() == PingResult.OK);
    assertEquals(0, keepAlive.healthJson().getInteger("consecutive_failures"));
    assertEquals(List.of(), keepAlive.issues());
    await(keepAlive.stop());
  }

  @Test
  void clientErrorsCountAsAliveApplication(Vertx vertx) {
    Backend backend = startBackend(vertx);
    backend.status = 404;
    KeepAlive keepAlive = new KeepAlive(vertx, fast(backend.target()), Clock.systemUTC(), NO_TRAFFIC, null);
    await(keepAlive.start());
    waitUntil(vertx, "a ping", () -> keepAlive.snapshot().pingsTotal() >= 1);
    assertEquals(PingResult.OK, keepAlive.snapshot().lastResult());
  }

  @Test
  void closedPortFailsWithConnectionRefused(Vertx vertx) {
    Backend backend = startBackend(vertx);
    URI target = backend.target();
    await(backend.server.close());
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    KeepAlive keepAlive = new KeepAlive(vertx, fast(target), Clock.systemUTC(), NO_TRAFFIC, registry);
    await(keepAlive.start());

    waitUntil(vertx, "2 failures", () -> keepAlive.snapshot().consecutiveFailures() >= 2);
    JsonObject health = keepAlive.healthJson();
    assertEquals("failed", health.getString("last_result"));
    assertEquals("connection refused", health.getString("last_error"));
    assertNotNull(health.getString("last_ping"));
    assertTrue(keepAlive.issues().get(0).contains("(last: connection refused)"), keepAlive.issues().get(0));
    String scrape = registry.scrape();
    assertFalse(scrape.contains("vigil_keepalive_pings_total{result=\"failed\"} 0.0"), scrape);
    assertFalse(scrape.contains("vigil_keepalive_consecutive_failures 0.0"), scrape);
  }

  @Test
  void noAnswerWithinTheTimeoutFails(Vertx vertx) {
    Backend backend = startBackend(vertx);
    backend.hang = true;
    KeepAliveOptions options = fast(backend.target()).withTimeout(Duration.ofMillis(200));
    KeepAlive keepAlive = new KeepAlive(vertx, options, Clock.systemUTC(), NO_TRAFFIC, null);
    await(keepAlive.start());

    waitUntil(vertx, "a timeout", () -> keepAlive.snapshot().consecutiveFailures() >= 1);
    KeepAliveSnapshot s = keepAlive.snapshot();
    assertEquals(PingResult.FAILED, s.lastResult());
    assertEquals("timed out after 200 ms", s.lastError());
    assertTrue(s.lastLatencyMs() >= 190, "latency " + s.lastLatencyMs());
    await(keepAlive.stop());
    // Never more than one ping in flight: every request the server saw was completed (timed out)
    // except at most the one abandoned by stop().
    long sent = keepAlive.snapshot().pingsTotal();
    assertTrue(backend.hits.get() <= sent + 1, backend.hits.get() + " requests for " + sent + " pings");
  }

  @Test
  void notLeaderSendsNothing(Vertx vertx) {
    Backend backend = startBackend(vertx);
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    KeepAlive keepAlive = new KeepAlive(vertx, fast(backend.target()), Clock.systemUTC(), NO_TRAFFIC, registry,
        () -> Future.succeededFuture(false));
    await(keepAlive.start());

    waitUntil(vertx, "3 due times", () -> keepAlive.snapshot().notLeaderTotal() >= 3);
    JsonObject health = keepAlive.healthJson();
    assertEquals("not_leader", health.getString("last_result"));
    assertEquals(0L, health.getLong("pings_total"));
    assertEquals(0L, health.getLong("skipped_total"));
    assertEquals(0, backend.hits.get());
    assertFalse(registry.scrape().contains("vigil_keepalive_pings_total{result=\"not_leader\"} 0.0"));
  }

  @Test
  void brokenLeaderCheckFailsOpen(Vertx vertx) {
    Backend backend = startBackend(vertx);
    KeepAlive keepAlive = new KeepAlive(vertx, fast(backend.target()), Clock.systemUTC(), NO_TRAFFIC, null,
        () -> Future.failedFuture("redis down"));
    await(keepAlive.start());
    waitUntil(vertx, "a ping", () -> backend.hits.get() >= 1);
  }

  @Test
  void disabledDoesNothing(Vertx vertx) {
    Backend backend = startBackend(vertx);
    KeepAliveOptions options = fast(backend.target()).withEnabled(false);
    KeepAlive keepAlive = new KeepAlive(vertx, options, Clock.systemUTC(), NO_TRAFFIC, null);
    await(keepAlive.start());
    pause(vertx, 3 * INTERVAL.toMillis());

    JsonObject health = keepAlive.healthJson();
    assertEquals(false, health.getBoolean("enabled"));
    assertEquals("none", health.getString("last_result"));
    assertNull(health.getValue("next_ping_in_s"));
    assertEquals(0L, health.getLong("pings_total"));
    assertEquals(0, backend.hits.get());
    await(keepAlive.stop());
  }

  private static long ms(long millis) {
    return TimeUnit.MILLISECONDS.toNanos(millis);
  }
}
