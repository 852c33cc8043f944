package dev.vigil.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The watch against real HTTP apps on free ports; sample timestamps come from a clock the app advances. */
@ExtendWith(VertxExtension.class)
class MemoryWatchTest {

  private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
  /** Virtual time between polls: the app moves the fake clock by this much on each GET. */
  private static final Duration STEP = Duration.ofSeconds(30);
  private static final Duration FAST = Duration.ofMillis(20);
  private static final long BOUND_MS = 15_000;

  private final List<MemoryWatch> watches = new ArrayList<>();
  private final List<TestApp> apps = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (MemoryWatch w : watches) {
      get(w.stop());
    }
    for (TestApp a : apps) {
      get(a.close());
    }
  }

  private TestApp app(Vertx vertx) throws Exception {
    TestApp a = new TestApp();
    apps.add(get(a.start(vertx)));
    return a;
  }

  private MemoryWatch watch(Vertx vertx, MemoryWatchOptions o, Clock clock, PrometheusMeterRegistry reg)
      throws Exception {
    MemoryWatch w = new MemoryWatch(vertx, o, clock, reg);
    watches.add(w);
    get(w.start());
    return w;
  }

  private static MemoryWatchOptions fast(URI url) {
    return MemoryWatchOptions.defaults(url).withPoll(FAST, FAST);
  }

  /** A JSON answer {rss_mb, system.total_mb} whose value the test controls; each GET is STEP later. */
  private static void controlled(TestApp app, FakeClock clock, Supplier<Double> rssMiB) {
    controlledAt(app, "/mem", clock, rssMiB);
  }

  private static void controlledAt(TestApp app, String path, FakeClock clock, Supplier<Double> rssMiB) {
    app.route(path, req -> {
      clock.advance(STEP);
      req.response().putHeader("content-type", "application/json")
          .end(new JsonObject().put("rss_mb", rssMiB.get()).put("system", new JsonObject().put("total_mb", 1000))
              .encode());
    });
  }

  @Test
  void everyFormatOverHttpGivesTheRightMiB(Vertx vertx) throws Exception {
    TestApp app = app(vertx);
    String[][] cases = {
        {"/a", "application/json", "{\"process\":{\"rss_mb\":123.5},\"system\":{\"total_gb\":2}}", "123.5", "2048.0"},
        {"/b", "application/json", "{\"memory\":{\"rss_mb\":64}}", "64.0", null},
        {"/c", "application/json", "{\"rss_mb\":10.25,\"system\":{\"total_mb\":512}}", "10.25", "512.0"},
        {"/d", "application/json", "{\"memory_mb\":300}", "300.0", null},
        {"/e", "application/json", "{\"rss_bytes\":104857600}", "100.0", null},
        {"/f", "application/json", "{\"process\":{\"rss_bytes\":52428800}}", "50.0", null},
        {"/g", "application/json", "{\"memory\":{\"rss\":1073741824}}", "1024.0", null},
        {"/h", "text/plain; version=0.0.4", "# HELP process_resident_memory_bytes x\n# TYPE process_resident_memory_bytes"
            + " gauge\nprocess_resident_memory_bytes{pid=\"1\"} 1.048576e+08\n", "100.0", null},
    };
    for (String[] c : cases) {
      app.fixed(c[0], c[1], c[2]);
      // A 20 ms poll timeout fails the first polls of a cold JVM on a busy machine: this test is about formats.
      MemoryWatch w = watch(vertx, MemoryWatchOptions.defaults(app.url(c[0])).withPoll(FAST, Duration.ofSeconds(5)),
          Clock.systemUTC(), null);
      await(() -> w.samples().size() >= 2, w, "two samples from " + c[0]);
      JsonObject h = w.healthJson();
      assertEquals(Double.parseDouble(c[3]), h.getDouble("rss_mib"), 1e-9, c[0]);
      assertEquals(c[4] == null ? null : Double.valueOf(c[4]), h.getDouble("limit_mib"), c[0]);
      assertEquals(app.url(c[0]).toString(), h.getString("source"));
      assertEquals(0L, h.getLong("poll_failures"), c[0]);
      assertTrue(w.issues().isEmpty(), c[0] + " " + w.issues());
      get(w.stop());
      watches.remove(w);
    }
  }

  @Test
  void explicitPointerAndUnitOverHttp(Vertx vertx) throws Exception {
    TestApp app = app(vertx).fixed("/s", "application/json", "{\"stats\":{\"rss\":2048}}");
    MemoryWatch w = watch(vertx, fast(app.url("/s")).withRss("/stats/rss", "KiB"), Clock.systemUTC(), null);
    await(() -> w.samples().size() >= 1, w, "a sample");
    assertEquals(2.0, w.healthJson().getDouble("rss_mib"), 1e-9);
  }

  @Test
  void linearLeakEstimatedWithinFivePercentAndProjectedWithinTen(Vertx vertx) throws Exception {
    FakeClock clock = new FakeClock(T0);
    double slope = 42.0; // MiB per hour
    TestApp app = app(vertx);
    controlled(app, clock, () -> 200 + slope * hoursSince(clock));
    MemoryWatchOptions o = fast(app.url("/mem")).withThresholds(80, 95, Duration.ofHours(12), Duration.ofMinutes(15));
    MemoryWatch w = watch(vertx, o, clock, null);
    await(() -> w.samples().size() >= 20, w, "20 samples");
    JsonObject m = w.memoryJson();
    double trend = m.getDouble("trend_mib_per_hour");
    assertEquals(slope, trend, slope * 0.05, m.encodePrettily());
    double current = m.getDouble("rss_mib");
    double trueSeconds = (1000 - current) / slope * 3600;
    assertEquals(trueSeconds, m.getDouble("projected_limit_in_s"), trueSeconds * 0.10);
    assertTrue(m.getBoolean("leak_suspected"));
    assertEquals(1.0, m.getDouble("r2"), 1e-6);
    assertNotNull(m.getDouble("floor_trend_mib_per_hour"));
    JsonArray samples = m.getJsonArray("samples");
    assertTrue(samples.size() >= 20);
    assertNotNull(Instant.parse(samples.getJsonObject(0).getString("t")));
    // (1000 - 210) / 42 is about 19 h, beyond the 12 h warning horizon.
    assertEquals("ok", m.getString("state"));

    JsonObject h = w.healthJson();
    for (String key : List.of("state", "source", "rss_mib", "limit_mib", "percent", "trend_mib_per_hour",
        "projected_limit_in_s", "samples", "last_sample")) {
      assertTrue(h.containsKey(key), key);
    }
    assertEquals(1000.0, h.getDouble("limit_mib"));
    Instant.parse(h.getString("last_sample"));
  }

  @Test
  void sawtoothOverHttpIsALeakOnlyWhenItsFloorRises(Vertx vertx) throws Exception {
    TestApp app = app(vertx);
    FakeClock flatClock = new FakeClock(T0);
    FakeClock risingClock = new FakeClock(T0);
    // Climbs 5 MiB per poll for 6 polls, then a collection drops it back to the cycle's floor.
    AtomicInteger flatN = new AtomicInteger();
    AtomicInteger risingN = new AtomicInteger();
    controlledAt(app, "/flat", flatClock, () -> {
      int i = flatN.getAndIncrement();
      return 200.0 + 5 * (i % 7);
    });
    controlledAt(app, "/rising", risingClock, () -> {
      int i = risingN.getAndIncrement();
      return 200.0 + 3 * (i / 7) + 5 * (i % 7);
    });
    MemoryWatch flat = watch(vertx, fast(app.url("/flat")), flatClock, null);
    MemoryWatch rising = watch(vertx, fast(app.url("/rising")), risingClock, null);
    await(() -> flat.samples().size() >= 56 && rising.samples().size() >= 56, flat, "8 teeth each");
    JsonObject f = flat.memoryJson();
    JsonObject r = rising.memoryJson();
    assertFalse(f.getBoolean("leak_suspected"), f.encode());
    assertEquals(0.0, f.getDouble("floor_trend_mib_per_hour"), 1e-6);
    assertTrue(f.getJsonArray("lows").size() >= 6);
    assertTrue(r.getBoolean("leak_suspected"), r.encode());
    assertEquals(3 / 3.5 * 60, r.getDouble("floor_trend_mib_per_hour"), 1.0);
  }

  @Test
  void steadyProjectionUnderHorizonWarnsWithSentence(Vertx vertx) throws Exception {
    FakeClock clock = new FakeClock(T0);
    TestApp app = app(vertx);
    controlled(app, clock, () -> 400 + 120 * hoursSince(clock)); // 120 MiB/h, limit 1000: about 5 h
    MemoryWatch w = watch(vertx, fast(app.url("/mem")), clock, null);
    await(() -> "warning".equals(w.state()), w, "warning from projection");
    List<String> issues = w.issues();
    assertTrue(issues.stream().anyMatch(s -> s.matches("memory grows 120\\.0 MiB/h; limit reached in about 4\\.\\d h")),
        issues.toString());
    assertTrue(w.memoryJson().getInteger("window_samples") >= MemoryTrend.STEADY_MIN_SAMPLES);
    assertTrue(w.memoryJson().getBoolean("steady"));
  }

  @Test
  void cleanupCalledOncePerCooldownAndFreedMeasured(Vertx vertx) throws Exception {
    FakeClock clock = new FakeClock(T0);
    AtomicReference<Double> rss = new AtomicReference<>(900.0);
    List<Instant> posts = new CopyOnWriteArrayList<>();
    TestApp app = app(vertx);
    controlled(app, clock, rss::get);
    app.route("/cleanup", req -> {
      posts.add(clock.instant());
      rss.set(500.0);
      req.response().end("{\"freed\":true}");
    });
    Duration cooldown = Duration.ofMinutes(10);
    MemoryWatch w = watch(vertx, fast(app.url("/mem")).withActions(app.url("/cleanup"), cooldown, false), clock, null);

    await(() -> posts.size() == 1, w, "first cleanup on entering warning");
    await(() -> "ok".equals(w.state()), w, "recovered after cleanup");
    JsonObject first = w.memoryJson().getJsonArray("cleanups").getJsonObject(0);
    assertEquals("auto", first.getString("trigger"));
    assertEquals(200, first.getInteger("status"));
    assertEquals(900.0, first.getDouble("rss_before_mib"));
    assertEquals(400.0, first.getDouble("freed_mib"));

    rss.set(900.0); // leaks again at once: warning again, inside the cooldown
    await(() -> "warning".equals(w.state()), w, "warning again");
    Instant reentered = clock.instant();
    assertTrue(Duration.between(posts.get(0), reentered).compareTo(cooldown) < 0, "re-entered within the cooldown");
    await(() -> posts.size() == 2, w, "second cleanup once the cooldown passed");
    assertTrue(Duration.between(posts.get(0), posts.get(1)).compareTo(cooldown) >= 0,
        "second POST " + posts.get(1) + " must be at least 10 min after " + posts.get(0));
    await(() -> "ok".equals(w.state()), w, "recovered again");
    int count = w.memoryJson().getJsonArray("cleanups").size();
    assertEquals(2, count);
    assertEquals(2, posts.size());
  }

  @Test
  void memoryStillHighAfterACleanupGetsAnotherCallOncePerCooldown(Vertx vertx) throws Exception {
    FakeClock clock = new FakeClock(T0);
    List<Instant> posts = new CopyOnWriteArrayList<>();
    TestApp app = app(vertx);
    controlled(app, clock, () -> 900.0); // a real leak: the cleanup frees nothing
    app.route("/cleanup", req -> {
      posts.add(clock.instant());
      req.response().end("{\"freed\":false}");
    });
    Duration cooldown = Duration.ofMinutes(10);
    MemoryWatch w = watch(vertx, fast(app.url("/mem")).withActions(app.url("/cleanup"), cooldown, false), clock, null);

    await(() -> posts.size() >= 3, w, "a call per cooldown while memory stays in warning");
    assertEquals("warning", w.state());
    for (int i = 1; i < posts.size(); i++) {
      Duration gap = Duration.between(posts.get(i - 1), posts.get(i));
      assertTrue(gap.compareTo(cooldown) >= 0, "calls " + posts + " must be at least 10 min apart");
      assertTrue(gap.compareTo(cooldown.plus(STEP)) <= 0, "and come on the first sample after the cooldown: " + posts);
    }
  }

  @Test
  void manualCleanupReturnsRecordAndFailsClearlyWithoutUrl(Vertx vertx) throws Exception {
    AtomicInteger posts = new AtomicInteger();
    TestApp app = app(vertx).fixed("/m", "application/json", "{\"rss_mb\":100}")
        .route("/cleanup", req -> {
          posts.incrementAndGet();
          req.response().setStatusCode(503).end();
        });
    MemoryWatch none = watch(vertx, fast(app.url("/m")), Clock.systemUTC(), null);
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> get(none.cleanup()));
    assertTrue(e.getCause().getMessage().contains("memory.cleanup.url"), e.getCause().getMessage());

    MemoryWatch w = watch(vertx, fast(app.url("/m")).withActions(app.url("/cleanup"), Duration.ofMinutes(10), false),
        Clock.systemUTC(), null);
    await(() -> w.samples().size() >= 1, w, "a sample");
    JsonObject rec = get(w.cleanup());
    assertEquals("manual", rec.getString("trigger"), rec.encode());
    assertEquals(503, rec.getInteger("status"), rec.encode());
    assertFalse(rec.getBoolean("ok"));
    assertTrue(rec.getString("error").contains("HTTP 503"));
    assertEquals(1, posts.get());
    await(() -> w.memoryJson().getJsonArray("cleanups").getJsonObject(0).getValue("freed_mib") != null, w, "freed");

    for (int i = 0; i < MemoryWatch.MAX_EVENTS + 30; i++) {
      get(w.cleanup());
    }
    assertEquals(MemoryWatch.MAX_EVENTS + 31, posts.get());
    assertEquals(MemoryWatch.MAX_EVENTS, w.memoryJson().getJsonArray("cleanups").size(), "cleanup log is bounded");
  }

  @Test
  void unreadyWhileCriticalAndBackAfterRecovery(Vertx vertx) throws Exception {
    FakeClock clock = new FakeClock(T0);
    AtomicReference<Double> rss = new AtomicReference<>(500.0);
    TestApp app = app(vertx);
    controlled(app, clock, rss::get);
    MemoryWatch w = watch(vertx, fast(app.url("/mem")).withActions(null, Duration.ofMinutes(10), true), clock, null);
    await(() -> "ok".equals(w.state()), w, "ok");
    assertFalse(w.unready());
    rss.set(990.0);
    await(() -> "critical".equals(w.state()), w, "critical");
    assertTrue(w.unready());
    assertTrue(w.issues().contains("memory at 99% of limit (critical)"), w.issues().toString());
    rss.set(500.0);
    await(() -> "ok".equals(w.state()), w, "ok again");
    assertFalse(w.unready());
    JsonArray states = w.memoryJson().getJsonArray("states");
    assertEquals(List.of("unknown>ok", "ok>critical", "critical>ok"),
        states.stream().map(o -> ((JsonObject) o).getString("from") + ">" + ((JsonObject) o).getString("to")).toList());
  }

  @Test
  void badEndpointsAreReportedWithTheUrlAndPollingGoesOn(Vertx vertx) throws Exception {
    AtomicReference<String> flaky = new AtomicReference<>("<html>starting</html>");
    TestApp app = app(vertx)
        .fixed("/html", "text/html; charset=utf-8", "<!doctype html><title>Login</title>")
        .fixed("/garbage", "application/octet-stream", "\u0001\u0002 zzz not memory")
        .fixed("/unknown", "application/json", "{\"cpu\":0.5}")
        .route("/500", req -> req.response().setStatusCode(500).end("boom"))
        .route("/never", req -> { })
        .fixed("/huge", "text/plain", "x".repeat(HttpFetcher.MAX_BODY + 10))
        .route("/flaky", req -> req.response().end(flaky.get()));
    TestApp closed = new TestApp();
    get(closed.start(vertx));
    URI refused = closed.url("/api/memory-status");
    get(closed.close());

    String[][] cases = {
        {app.url("/html").toString(), "answered text/html; expected JSON with rss_mb (or similar) or Prometheus"},
        {app.url("/garbage").toString(), "answered application/octet-stream starting"},
        {app.url("/unknown").toString(), "without a known memory field"},
        {app.url("/500").toString(), "answered HTTP 500"},
        {app.url("/never").toString(), "did not answer within 100ms (memory.poll.timeout)"},
        {app.url("/huge").toString(), "answered more than 1048576 bytes"},
        {refused.toString(), "is unreachable"},
    };
    List<MemoryWatch> started = new ArrayList<>();
    for (String[] c : cases) {
      // Generous timeouts except for the endpoint that never answers: the machine may be loaded.
      Duration d = Duration.ofMillis(c[0].endsWith("/never") ? 100 : 400);
      started.add(watch(vertx, MemoryWatchOptions.defaults(URI.create(c[0])).withPoll(d, d), Clock.systemUTC(), null));
    }
    for (int i = 0; i < cases.length; i++) {
      MemoryWatch w = started.get(i);
      String[] c = cases[i];
      await(() -> w.healthJson().getLong("poll_failures") >= 3
          && w.issues().stream().anyMatch(s -> s.contains(c[1])), w, "three failed polls of " + c[0]);
      List<String> issues = w.issues();
      assertEquals(1, issues.size(), issues.toString());
      assertTrue(issues.get(0).startsWith("memory endpoint " + c[0] + " "), issues.get(0));
      assertTrue(issues.get(0).contains(c[1]), issues.get(0));
      assertEquals("unknown", w.state());
      assertNull(w.healthJson().getDouble("rss_mib"), "never a silent zero");
      assertEquals(0, w.samples().size());
    }
    assertEquals("memory endpoint " + app.url("/html") + " answered text/html; expected JSON with rss_mb (or similar)"
        + " or Prometheus process_resident_memory_bytes", started.get(0).issues().get(0));

    MemoryWatch w = watch(vertx, fast(app.url("/flaky")), Clock.systemUTC(), null);
    await(() -> w.healthJson().getLong("poll_failures") >= 2, w, "flaky failing");
    flaky.set("{\"rss_mb\":77}");
    await(() -> w.samples().size() >= 1, w, "flaky recovered");
    assertTrue(w.issues().isEmpty(), w.issues().toString());
    assertEquals("ok", w.state());
    assertEquals(77.0, w.healthJson().getDouble("rss_mib"));
  }

  @Test
  void prometheusNamesAndNaNWhenUnknown(Vertx vertx) throws Exception {
    FakeClock clock = new FakeClock(T0);
    TestApp app = app(vertx);
    controlled(app, clock, () -> 200 + 60 * hoursSince(clock));
    PrometheusMeterRegistry reg = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    MemoryWatch w = watch(vertx, fast(app.url("/mem")), clock, reg);
    String before = reg.scrape();
    assertTrue(before.contains("vigil_app_memory_projected_limit_seconds NaN"), before);
    await(() -> w.samples().size() >= 12, w, "samples");
    String text = reg.scrape();
    for (String name : List.of("vigil_app_memory_rss_bytes", "vigil_app_memory_limit_bytes",
        "vigil_app_memory_trend_bytes_per_second", "vigil_app_memory_projected_limit_seconds",
        "vigil_app_memory_poll_failures_total")) {
      assertTrue(text.contains("# TYPE " + name + " "), name + " in\n" + text);
    }
    double trend = value(text, "vigil_app_memory_trend_bytes_per_second");
    assertEquals(60.0 * (1 << 20) / 3600, trend, 1.0);
    assertTrue(value(text, "vigil_app_memory_rss_bytes") > 200.0 * (1 << 20));
    assertTrue(value(text, "vigil_app_memory_projected_limit_seconds") > 0);
    get(w.stop());
    watches.remove(w);
    assertFalse(reg.scrape().contains("vigil_app_memory_rss_bytes"), "meters removed on stop");
  }

  @Test
  void preloadAndOnSampleHooks(Vertx vertx) throws Exception {
    FakeClock clock = new FakeClock(T0.plus(Duration.ofMinutes(10)));
    TestApp app = app(vertx);
    controlled(app, clock, () -> 300.0);
    List<MemorySample> seen = new CopyOnWriteArrayList<>();
    MemoryWatch w = new MemoryWatch(vertx, fast(app.url("/mem")), clock, null, seen::add);
    watches.add(w);
    List<MemorySample> old = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      old.add(new MemorySample(T0.plus(STEP.multipliedBy(i)), 100 + i));
    }
    w.preload(old);
    assertEquals(5, w.samples().size());
    assertEquals("unknown", w.state(), "restored samples alone do not set a state");
    get(w.start());
    await(() -> seen.size() >= 3, w, "onSample");
    assertEquals(300.0, seen.get(0).rssMiB());
    assertEquals(100.0, w.samples().get(0).rssMiB());
    assertEquals(MemorySample.fromJson(seen.get(0).toJson()), seen.get(0));
  }

  @Test
  void preloadFloodStaysBounded(Vertx vertx) throws Exception {
    MemoryWatchOptions o = MemoryWatchOptions.defaults(URI.create("http://127.0.0.1:9/unused"));
    MemoryWatch w = new MemoryWatch(vertx, o, Clock.systemUTC(), null);
    watches.add(w);
    for (int batch = 0; batch < 100; batch++) {
      List<MemorySample> flood = new ArrayList<>();
      for (int i = 0; i < 10_000; i++) {
        flood.add(new MemorySample(T0.plusSeconds(batch * 10_000L + i), 100 + i % 50));
      }
      w.preload(flood);
    }
    assertEquals(MemoryWatchOptions.DEFAULT_HISTORY, w.samples().size());
    assertEquals(MemoryWatchOptions.DEFAULT_HISTORY, w.memoryJson().getJsonArray("samples").size());
    assertEquals(T0.plusSeconds(999_999), w.samples().get(MemoryWatchOptions.DEFAULT_HISTORY - 1).t());
  }

  // ---- helpers ----

  private static double hoursSince(FakeClock clock) {
    return Duration.between(T0, clock.instant()).toNanos() / 3.6e12;
  }

  private static double value(String scrape, String name) {
    for (String line : scrape.split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    throw new AssertionError(name + " not in scrape");
  }

  private static <T> T get(Future<T> f) throws Exception {
    try {
      return f.toCompletionStage().toCompletableFuture().get(BOUND_MS, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw e;
    }
  }

  /** Waits (bounded) until the condition holds, checking on a Vert.x timer; fails with the watch's state. */
  private static void await(BooleanSupplier condition, MemoryWatch w, String what) throws Exception {
    Vertx checker = Vertx.currentContext() == null ? null : Vertx.currentContext().owner();
    CompletableFuture<Void> done = new CompletableFuture<>();
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(BOUND_MS);
    Runnable[] check = new Runnable[1];
    check[0] = () -> {
      if (condition.getAsBoolean()) {
        done.complete(null);
      } else if (System.nanoTime() > deadline) {
        done.completeExceptionally(new AssertionError("timed out waiting for " + what + "; memory: "
            + w.memoryJson().put("samples", w.samples().size()).encode() + " issues: " + w.issues()));
      }
    };
    java.util.concurrent.ScheduledExecutorService ses = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    try {
      ses.scheduleWithFixedDelay(check[0], 0, 5, TimeUnit.MILLISECONDS);
      done.get(BOUND_MS + 1000, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof AssertionError) {
        throw (AssertionError) e.getCause();
      }
      fail(e.getCause());
    } finally {
      ses.shutdownNow();
    }
    if (checker != null) {
      fail("await must run on the JUnit thread");
    }
  }
}
