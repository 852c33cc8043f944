package dev.vigil.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.Sidecar;
import dev.vigil.config.ConfigLoader;
import dev.vigil.config.VigilConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code vigil run} in-process against real children (the test suite's leaky Python app): the
 * proxy holds requests while no healthy child is there, retries what a dead child had in flight
 * when that is safe, and the health document, issues and metrics say what happened.
 */
class RunModeTest {

  final Vertx vertx = Vertx.vertx();
  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  Sidecar sidecar;

  @AfterEach
  void tearDown() throws Exception {
    if (sidecar != null) {
      sidecar.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  Sidecar startRun(Map<String, String> extra, String... envThenNothing) throws Exception {
    Map<String, String> o = new HashMap<>(Map.of(
        "listen.port", "0", "listen.host", "127.0.0.1", "memory.enabled", "false", "keepalive.enabled", "false",
        "upstream.health.path", "/health", "upstream.health.interval", "200ms",
        "app.restart.backoff", "100ms", "app.restart.maxBackoff", "400ms", "app.stopTimeout", "2s"));
    o.putAll(extra);
    VigilConfig config = ConfigLoader.loadForRun(null, Map.of(), o, w -> { });
    List<String> cmd = new ArrayList<>(List.of("env"));
    cmd.addAll(List.of(envThenNothing));
    cmd.addAll(List.of(AppSupervisorTest.PYTHON, AppSupervisorTest.app().toString()));
    sidecar = new Sidecar(config, Clock.systemUTC(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), cmd);
    sidecar.start(vertx).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    return sidecar;
  }

  HttpResponse<String> send(String method, String path) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sidecar.proxyPort() + path))
        .timeout(Duration.ofSeconds(30));
    b = method.equals("POST") ? b.POST(HttpRequest.BodyPublishers.ofString("payload")) : b.GET();
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  JsonObject health() throws Exception {
    return new JsonObject(send("GET", "/sidecar/health").body());
  }

  JsonObject app() throws Exception {
    return health().getJsonObject("app");
  }

  String metrics() throws Exception {
    return send("GET", "/sidecar/metrics").body();
  }

  @Test
  void theChildGetsItsPortIsProxiedToAndShownInHealthAndMetrics() throws Exception {
    startRun(Map.of());
    waitUntil("ready", 20, () -> status("/sidecar/health/ready") == 200);
    JsonObject info = new JsonObject(send("GET", "/info").body());
    JsonObject app = app();
    assertEquals("run", app.getString("mode"));
    assertEquals("up", app.getString("state"));
    assertEquals(info.getLong("pid"), app.getLong("pid"), "the pid in the app block is the child's");
    assertEquals(sidecar.app().pid(), info.getLong("pid"));
    assertEquals(new JsonObject().put("crash", 0).put("oom_killed", 0), app.getJsonObject("restarts"));
    assertNull(app.getValue("last_restart"));
    assertEquals(0, app.getInteger("held_requests"));
    assertEquals(new JsonObject().put("total", 0).put("last", null), app.getJsonObject("recycles"));
    HttpResponse<String> rfc = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + sidecar.proxyPort() + "/sidecar/health"))
        .header("Accept", "application/health+json").build(), HttpResponse.BodyHandlers.ofString());
    JsonObject check = new JsonObject(rfc.body()).getJsonObject("checks").getJsonArray("app:restarts").getJsonObject(0);
    assertEquals("pass", check.getString("status"));
    assertEquals(0, check.getInteger("observedValue"));
    String m = metrics();
    assertTrue(m.contains("vigil_app_up 1.0"), m);
    assertTrue(m.contains("vigil_app_restarts_total{reason=\"crash\"} 0.0"), m);
    assertTrue(m.contains("vigil_app_restarts_total{reason=\"oom_killed\"} 0.0"), m);
    assertTrue(m.contains("vigil_app_held_requests 0.0"), m);
  }

  @Test
  void aSigkilledChildUnderLoadIsRestartedAndOnlyTheInFlightPostFails() throws Exception {
    startRun(Map.of());
    waitUntil("ready", 20, () -> status("/sidecar/health/ready") == 200);
    long oldPid = sidecar.app().pid();

    // Steady load of bodiless GETs, plus one slow GET and one slow POST in flight at the kill.
    AtomicBoolean stop = new AtomicBoolean();
    Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
    List<Thread> load = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread th = new Thread(() -> {
        while (!stop.get()) {
          try {
            statuses.merge(send("GET", "/info").statusCode(), 1, Integer::sum);
          } catch (Exception e) {
            statuses.merge(-1, 1, Integer::sum);
          }
        }
      });
      th.start();
      load.add(th);
    }
    CompletableFuture<HttpResponse<String>> slowGet = async("GET", "/slow?ms=3000");
    CompletableFuture<HttpResponse<String>> slowPost = async("POST", "/slow?ms=3000");
    int appPort = sidecar.app().supervisor().port();
    waitUntil("both slow requests at the child", 10, () -> {
      try {
        return new JsonObject(AppSupervisorTest.get(appPort, "/info").body()).getInteger("slow_in_progress") == 2;
      } catch (Exception e) {
        return false;
      }
    });
    ProcessHandle.of(oldPid).orElseThrow().destroyForcibly();

    waitUntil("the restart", 20, () -> {
      JsonObject a = appOrNull();
      return a != null && "up".equals(a.getString("state")) && a.getJsonObject("restarts").getInteger("crash") == 1;
    });
    long newPid = sidecar.app().pid();
    assertNotEquals(oldPid, newPid);
    Thread.sleep(300); // some load on the new child too
    stop.set(true);
    for (Thread th : load) {
      th.join(30_000);
    }

    assertEquals(502, slowPost.get(30, TimeUnit.SECONDS).statusCode(), "a POST the dead child had seen is not resent");
    HttpResponse<String> g = slowGet.get(30, TimeUnit.SECONDS);
    assertEquals(200, g.statusCode(), "a bodiless GET is retried once on the new child");
    assertEquals("slow " + newPid, g.body());
    assertEquals(Map.of(200, statuses.get(200)), statuses, "every GET of the load got 200: " + statuses);
    assertTrue(statuses.get(200) > 20, "load ran: " + statuses);

    JsonObject doc = health();
    JsonObject last = doc.getJsonObject("app").getJsonObject("last_restart");
    assertEquals("crash", last.getString("reason"));
    assertEquals("signal 9 (SIGKILL)", last.getString("exit"));
    String sentence = doc.getJsonArray("issues").stream().map(String::valueOf)
        .filter(s -> s.startsWith("the app was ended by signal 9 (SIGKILL) at ")).findFirst()
        .orElseThrow(() -> new AssertionError("no restart sentence in " + doc.getJsonArray("issues")));
    assertTrue(sentence.matches(".* and restarted in \\d+\\.\\d s; .*1 failed"), sentence);
    assertTrue(metrics().contains("vigil_app_restarts_total{reason=\"crash\"} 1.0"));
  }

  @Test
  void aChildThatNeverBecomesHealthyGets503AfterTheHoldTimeoutAndAFloodIsRefusedAtOnce() throws Exception {
    startRun(Map.of("app.hold.timeout", "800ms", "app.hold.maxRequests", "3"), "NEVER_HEALTHY=1");
    assertEquals(503, status("/sidecar/health/ready"), "not ready before the app answers its health path");

    List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int i = 0; i < 3; i++) {
      held.add(async("GET", "/"));
    }
    waitUntil("3 held", 5, () -> {
      JsonObject a = appOrNull();
      return a != null && a.getInteger("held_requests") == 3;
    });
    for (int i = 0; i < 5; i++) {
      long s = System.nanoTime();
      HttpResponse<String> r = send("GET", "/");
      long ms = (System.nanoTime() - s) / 1_000_000;
      assertEquals(503, r.statusCode());
      assertTrue(ms < 500, "refused at once, not after waiting: " + ms + " ms");
      assertTrue(r.body().contains("app.hold.maxRequests"), r.body());
      assertTrue(r.headers().firstValue("retry-after").isPresent());
    }
    for (CompletableFuture<HttpResponse<String>> f : held) {
      HttpResponse<String> r = f.get(10, TimeUnit.SECONDS);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(503, r.statusCode());
      assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
      assertTrue(r.body().contains("app.hold.timeout"), r.body());
      assertTrue(r.headers().firstValue("retry-after").isPresent());
      assertTrue(ms >= 750, "waited the hold timeout: " + ms + " ms");
    }
    JsonObject doc = health();
    assertEquals("starting", doc.getJsonObject("app").getString("state"));
    assertEquals(0, doc.getJsonObject("app").getInteger("held_requests"));
    assertTrue(doc.getJsonArray("issues").stream().anyMatch(s -> String.valueOf(s).startsWith("the app is starting")),
        doc.encode());
    assertTrue(metrics().contains("vigil_app_up 0.0"));
  }

  @Test
  void aCrashLoopBacksOffAndRequestsMeanwhileGet503AfterTheHoldTimeout() throws Exception {
    startRun(Map.of("app.hold.timeout", "500ms"), "EXIT_AT_START=3");
    waitUntil("4 crashes", 20, () -> {
      JsonObject a = appOrNull();
      return a != null && a.getJsonObject("restarts").getInteger("crash") >= 4;
    });
    int before = app().getJsonObject("restarts").getInteger("crash");
    HttpResponse<String> r = send("GET", "/"); // waits 500 ms meanwhile
    assertEquals(503, r.statusCode());
    assertTrue(r.body().contains("app.hold.timeout"), r.body());
    Thread.sleep(1_500);
    int after = app().getJsonObject("restarts").getInteger("crash");
    // Capped at 400 ms (plus the start of a Python process each time): at most ~6 in 2 s, not a hot loop.
    assertTrue(after - before <= 7, "restarts in ~2 s: " + (after - before));
    assertTrue(after - before >= 1, "still restarting: " + (after - before));
    JsonObject doc = health();
    assertEquals("restarting", doc.getJsonObject("app").getString("state"));
    assertTrue(doc.getJsonArray("issues").stream().anyMatch(s -> String.valueOf(s).contains("is being restarted")),
        doc.encode());
  }

  @Test
  void aGunicornMasterKilledWithItsWorkersIsReplacedWholeAndStopTakesTheGroup() throws Exception {
    java.nio.file.Path dir = java.nio.file.Path.of(getClass().getResource("/app/flask_app.py").toURI()).getParent();
    Map<String, String> o = new HashMap<>(Map.of(
        "listen.port", "0", "listen.host", "127.0.0.1", "memory.enabled", "false", "keepalive.enabled", "false",
        "upstream.health.path", "/health", "app.restart.backoff", "100ms"));
    VigilConfig config = ConfigLoader.loadForRun(null, Map.of(), o, w -> { });
    sidecar = new Sidecar(config, Clock.systemUTC(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
        List.of("/usr/bin/gunicorn", "-w", "2", "-b", "127.0.0.1:{port}", "--chdir", dir.toString(), "flask_app:app"));
    sidecar.start(vertx).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    waitUntil("ready", 30, () -> status("/sidecar/health/ready") == 200);
    ProcessHandle master = ProcessHandle.of(sidecar.app().pid()).orElseThrow();
    waitUntil("two workers", 30, () -> master.children().count() == 2);
    List<ProcessHandle> workers = master.children().toList();

    master.destroyForcibly();
    waitUntil("the restart", 30, () -> {
      JsonObject a = appOrNull();
      return a != null && "up".equals(a.getString("state")) && a.getJsonObject("restarts").getInteger("crash") == 1;
    });
    for (ProcessHandle w : workers) {
      waitUntil("old worker " + w.pid() + " gone", 10, () -> gone(w));
    }
    assertEquals(200, send("GET", "/health").statusCode());
    ProcessHandle second = ProcessHandle.of(sidecar.app().pid()).orElseThrow();
    assertNotEquals(master.pid(), second.pid());
    waitUntil("two new workers", 30, () -> second.children().count() == 2);
    List<ProcessHandle> tree = new ArrayList<>(second.children().toList());
    tree.add(second);

    sidecar.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    sidecar = null;
    for (ProcessHandle p : tree) {
      waitUntil(p.pid() + " gone after stop", 10, () -> gone(p));
    }
  }

  /** Not running: gone, or a zombie waiting for whoever adopted it. */
  static boolean gone(ProcessHandle p) {
    try {
      String stat = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/" + p.pid() + "/stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (java.io.IOException e) {
      return true;
    }
  }

  private JsonObject appOrNull() {
    try {
      return app();
    } catch (Exception e) {
      return null;
    }
  }

  private int status(String path) {
    try {
      return send("GET", path).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  private CompletableFuture<HttpResponse<String>> async(String method, String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sidecar.proxyPort() + path))
        .timeout(Duration.ofSeconds(30));
    b = method.equals("POST") ? b.POST(HttpRequest.BodyPublishers.ofString("payload")) : b.GET();
    return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static void waitUntil(String what, long seconds, BooleanSupplier cond) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("no " + what + " within " + seconds + " s");
      }
      Thread.sleep(20);
    }
  }
}
