package dev.vigil;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.config.ConfigLoader;
import dev.vigil.config.VigilConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The contract's status rules, issue sentences, readiness and liveness, end to end against a real app. */
class SidecarHealthTest {

  private Vertx vertx;
  private HttpClient client;
  private int appPort;
  private final AtomicInteger healthStatus = new AtomicInteger(200);
  private volatile double rssMb = 100;
  private Sidecar sidecar;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    client = vertx.createHttpClient();
    appPort = vertx.createHttpServer().requestHandler(req -> {
      switch (req.path()) {
        case "/api/health" -> req.response().setStatusCode(healthStatus.get()).end("{}");
        case "/api/memory-status" -> req.response().putHeader("content-type", "application/json")
            .end(new JsonObject().put("process", new JsonObject().put("rss_mb", rssMb))
                .put("system", new JsonObject().put("total_mb", 512)).encode());
        case "/boom" -> req.response().setStatusCode(500).end("boom");
        default -> req.response().end("ok");
      }
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (sidecar != null) {
      sidecar.stop().await(20, TimeUnit.SECONDS);
    }
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  private int start(Map<String, String> extra) throws Exception {
    Map<String, String> o = new HashMap<>(Map.of(
        "listen.port", "0", "listen.host", "127.0.0.1", "upstream.url", "http://127.0.0.1:" + appPort,
        "upstream.health.interval", "100ms", "upstream.health.timeout", "100ms",
        "upstream.health.unhealthyAfter", "2", "memory.poll.interval", "100ms",
        "memory.poll.timeout", "100ms", "keepalive.enabled", "false"));
    o.putAll(extra);
    VigilConfig config = ConfigLoader.load(null, Map.of(), o, w -> { });
    sidecar = new Sidecar(config, Clock.systemUTC(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    sidecar.start(vertx).await(20, TimeUnit.SECONDS);
    return sidecar.proxyPort();
  }

  private record Answer(int status, JsonObject body) {
  }

  private Answer get(int port, String path) throws Exception {
    return client.request(HttpMethod.GET, port, "127.0.0.1", path)
        .compose(r -> r.send().compose(resp -> resp.body().map(b -> new Answer(resp.statusCode(),
            b.length() > 0 && b.getByte(0) == '{' ? b.toJsonObject() : new JsonObject()))))
        .await(10, TimeUnit.SECONDS);
  }

  private Answer awaitHealth(int port, Predicate<Answer> condition) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    Answer last = null;
    while (System.nanoTime() < deadline) {
      last = get(port, "/sidecar/health");
      if (condition.test(last)) {
        return last;
      }
      Thread.sleep(50); // test thread; bounded by the deadline
    }
    throw new AssertionError("condition not met within 15 s; last health: " + (last == null ? null : last.body()));
  }

  private static boolean hasIssue(Answer a, String fragment) {
    return a.body().getJsonArray("issues").stream().anyMatch(s -> s.toString().contains(fragment));
  }

  @Test
  void healthyHasEveryContractBlock() throws Exception {
    int port = start(Map.of());
    Answer a = awaitHealth(port, x -> x.body().getJsonObject("memory").getInteger("samples", 0) >= 2);
    assertEquals(200, a.status());
    assertEquals("healthy", a.body().getString("status"));
    for (String key : List.of("timestamp", "uptime_s", "issues", "proxy", "upstream", "memory", "keepalive", "redis",
        "sidecar")) {
      assertTrue(a.body().containsKey(key), key);
    }
    for (String key : List.of("requests_total", "in_flight", "rps_1m", "error_rate_1m", "latency_ms", "status_classes",
        "rejected")) {
      assertTrue(a.body().getJsonObject("proxy").containsKey(key), key);
    }
    assertEquals("disabled", a.body().getJsonObject("redis").getString("mode"));
    assertEquals(4096, a.body().getJsonObject("sidecar").getJsonObject("buffers").getJsonObject("requests")
        .getInteger("capacity"));
    assertEquals(200, get(port, "/sidecar/health/ready").status());
  }

  @Test
  void recentRequestsInTheContractShape() throws Exception {
    int port = start(Map.of("metrics.requestBuffer", "5"));
    for (int i = 0; i < 8; i++) {
      get(port, "/orders/" + i + "?x=" + i);
    }
    get(port, "/sidecar/health"); // admin paths are not recorded
    Answer a = get(port, "/sidecar/requests?limit=50");
    assertEquals(200, a.status());
    assertEquals(5, a.body().getInteger("capacity"));
    var list = a.body().getJsonArray("requests");
    assertEquals(5, list.size(), "capped at the buffer size");
    JsonObject newest = list.getJsonObject(0);
    assertEquals("/orders/7", newest.getString("path"));
    assertEquals("/orders/{id}", newest.getString("route"));
    for (String key : List.of("t", "method", "path", "route", "status", "latency_ms", "bytes_in", "bytes_out",
        "request_id", "rejected")) {
      assertTrue(newest.containsKey(key), key);
    }
    assertEquals(2, get(port, "/sidecar/requests?limit=2").body().getJsonArray("requests").size());
    assertEquals(400, get(port, "/sidecar/requests?limit=-3").status());
  }

  @Test
  void upstreamLossIsUnhealthyAndNotReadyButLive() throws Exception {
    int port = start(Map.of());
    awaitHealth(port, a -> a.body().getJsonObject("upstream").getBoolean("reachable"));
    healthStatus.set(503);
    Answer a = awaitHealth(port, x -> x.status() == 503);
    assertEquals("unhealthy", a.body().getString("status"));
    assertTrue(hasIssue(a, "does not answer its health check"), a.body().encodePrettily());
    assertEquals(503, get(port, "/sidecar/health/ready").status());
    assertEquals(200, get(port, "/sidecar/health/live").status());
    healthStatus.set(200);
    awaitHealth(port, x -> x.status() == 200);
    assertEquals(200, get(port, "/sidecar/health/ready").status());
  }

  @Test
  void sidecarModeHasTheAppBlockAndMetersToo() throws Exception {
    int port = start(Map.of());
    Answer a = awaitHealth(port, x -> "up".equals(x.body().getJsonObject("app").getString("state")));
    JsonObject app = a.body().getJsonObject("app");
    assertEquals("sidecar", app.getString("mode"));
    assertTrue(app.containsKey("pid") && app.getValue("pid") == null, app.encode());
    assertEquals(new JsonObject().put("crash", 0).put("oom_killed", 0), app.getJsonObject("restarts"));
    assertTrue(app.containsKey("last_restart") && app.getValue("last_restart") == null, app.encode());
    assertEquals(0, app.getInteger("held_requests"));
    assertEquals(new JsonObject().put("total", 0).put("last", null), app.getJsonObject("recycles"));
    String metrics = client.request(HttpMethod.GET, port, "127.0.0.1", "/sidecar/metrics")
        .compose(r -> r.send().compose(resp -> resp.body())).await(10, TimeUnit.SECONDS).toString();
    assertTrue(metrics.contains("vigil_app_up 1.0"), "vigil_app_up follows the upstream check");
    assertTrue(metrics.contains("vigil_app_restarts_total{reason=\"crash\"} 0.0"));
    assertTrue(metrics.contains("vigil_app_restarts_total{reason=\"oom_killed\"} 0.0"));
    assertTrue(metrics.contains("vigil_app_held_requests 0.0"));
    assertEquals(-1, sidecar.app().pid());
  }

  @Test
  void upstreamErrorsAreSaidInPlainWords() throws Exception {
    int port = start(Map.of());
    healthStatus.set(503);
    awaitHealth(port, x -> "answered 503".equals(x.body().getJsonObject("upstream").getString("last_error"))
        && hasIssue(x, "does not answer its health check"));
  }

  @Test
  void aRefusedConnectionIsSaidInPlainWords() throws Exception {
    int deadPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
      deadPort = s.getLocalPort(); // closed again: connecting is refused
    }
    int port = start(Map.of("upstream.url", "http://127.0.0.1:" + deadPort));
    Answer a = awaitHealth(port,
        x -> "connection refused".equals(x.body().getJsonObject("upstream").getString("last_error")));
    assertTrue(a.body().getJsonArray("issues").stream().noneMatch(s -> s.toString().contains("finishConnect")),
        a.body().encodePrettily());
  }

  @Test
  void sidecarRssFollowsProcWithinASecondOrTwo() throws Exception {
    int port = start(Map.of());
    byte[][] ballast = new byte[48][];
    for (int i = 0; i < ballast.length; i++) {
      ballast[i] = new byte[1 << 20];
      java.util.Arrays.fill(ballast[i], (byte) 1); // touched, so it is resident
    }
    double procNow = procRssMiB();
    Answer a = awaitHealth(port, x -> x.body().getJsonObject("sidecar").getDouble("rss_mib", 0.0) >= procNow - 8);
    assertTrue(a.body().getJsonObject("sidecar").getDouble("rss_mib") > 0);
    assertEquals(48, ballast.length); // keeps the ballast reachable until here
  }

  private static double procRssMiB() throws Exception {
    for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
      }
    }
    throw new AssertionError("no VmRSS");
  }

  @Test
  void memoryCriticalIsUnhealthyAndUnreadyThenRecovers() throws Exception {
    rssMb = 500; // 97.7% of 512 MiB
    int port = start(Map.of("memory.unreadyWhenCritical", "true"));
    Answer a = awaitHealth(port, x -> "critical".equals(x.body().getJsonObject("memory").getString("state")));
    assertEquals(503, a.status());
    assertEquals("unhealthy", a.body().getString("status"));
    assertTrue(hasIssue(a, "memory"), a.body().getJsonArray("issues").encode());
    assertEquals(503, get(port, "/sidecar/health/ready").status());
    assertEquals(200, get(port, "/sidecar/health/live").status());
    rssMb = 100;
    awaitHealth(port, x -> "ok".equals(x.body().getJsonObject("memory").getString("state")));
    assertEquals(200, get(port, "/sidecar/health/ready").status());
  }

  @Test
  void memoryWarningIsDegraded() throws Exception {
    rssMb = 440; // 86%
    int port = start(Map.of());
    Answer a = awaitHealth(port, x -> "warning".equals(x.body().getJsonObject("memory").getString("state")));
    assertEquals(200, a.status());
    assertEquals("degraded", a.body().getString("status"));
    assertEquals(200, get(port, "/sidecar/health/ready").status(), "warning does not take the pod out");
  }

  @Test
  void errorRateAboveTheLineIsDegraded() throws Exception {
    int port = start(Map.of());
    for (int i = 0; i < 10; i++) {
      assertEquals(500, get(port, "/boom").status());
    }
    Answer a = awaitHealth(port, x -> "degraded".equals(x.body().getString("status")));
    assertTrue(hasIssue(a, "answered 5xx"), a.body().getJsonArray("issues").encode());
    assertEquals(1.0, a.body().getJsonObject("proxy").getDouble("error_rate_1m"));
    assertEquals(10, a.body().getJsonObject("proxy").getJsonObject("status_classes").getInteger("5xx"));
  }

  @Test
  void failingKeepAliveIsDegraded() throws Exception {
    int port = start(Map.of("keepalive.enabled", "true", "keepalive.windows", "",
        "keepalive.defaultInterval", "100ms", "keepalive.target", "http://127.0.0.1:1/api/health"));
    Answer a = awaitHealth(port, x -> x.body().getJsonObject("keepalive").getInteger("consecutive_failures", 0) > 0);
    assertEquals("degraded", a.body().getString("status"));
    assertTrue(hasIssue(a, "keep-alive"), a.body().getJsonArray("issues").encode());
  }

  @Test
  void redisConfiguredButDownIsDegradedAndProxyingGoesOn() throws Exception {
    int port = start(Map.of("redis.url", "redis://127.0.0.1:1", "redis.timeout", "100ms",
        "ratelimit.enabled", "true"));
    assertEquals(200, get(port, "/anything").status());
    Answer a = awaitHealth(port, x -> "degraded".equals(x.body().getString("status")));
    assertEquals("fallback-memory", a.body().getJsonObject("redis").getString("mode"));
    assertTrue(hasIssue(a, "Redis"), a.body().getJsonArray("issues").encode());
  }

  @Test
  void selfProtectionShedsWhenTheHeapIsOverTheLine() throws Exception {
    int port = start(Map.of("overload.heapShedPercent", "1"));
    Answer shed = get(port, "/anything");
    assertEquals(503, shed.status());
    assertEquals(503, shed.body().getInteger("status"));
    Answer a = awaitHealth(port, x -> hasIssue(x, "shedding load"));
    assertEquals("degraded", a.body().getString("status"));
    assertEquals(1, a.body().getJsonObject("proxy").getJsonObject("rejected").getInteger("overloaded"));
  }
}
