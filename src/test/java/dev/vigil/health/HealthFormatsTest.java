package dev.vigil.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.Sidecar;
import dev.vigil.testing.RedisServerProcess;
import dev.vigil.testing.Vigils;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code Accept: application/health+json} on {@code /sidecar/health} and {@code ?verbose} on
 * {@code /sidecar/health/ready} and {@code /live}, with real requests to a real Vigil in front of a
 * real app whose memory, health answer and error share each test sets.
 */
class HealthFormatsTest {

  static final Duration BOUND = Duration.ofSeconds(15);
  static final Set<String> ALL_CHECKS = Set.of("memory:utilization", "upstream:responseTime",
      "keepalive:consecutiveFailures", "redis:connections", "proxy:errorRate", "vigil:heapUtilization");

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private Vertx vertx;
  private HttpServer app;
  private volatile double rssMb = 50;
  private volatile int healthStatus = 200;
  private Sidecar sidecar;

  @BeforeEach
  void startApp() throws Exception {
    vertx = Vertx.vertx();
    app = vertx.createHttpServer().requestHandler(req -> {
      switch (req.path()) {
        case "/api/health" -> req.response().setStatusCode(healthStatus).end("{}");
        case "/api/memory-status" -> req.response().putHeader("content-type", "application/json")
            .end("{\"rss_mb\": " + rssMb + "}");
        case "/boom" -> req.response().setStatusCode(500).end("boom");
        default -> req.response().end("ok");
      }
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    if (sidecar != null) {
      sidecar.stop().await(20, TimeUnit.SECONDS);
    }
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  @Test
  void passWhenEveryCheckPasses() throws Exception {
    try (RedisServerProcess redis = RedisServerProcess.start()) {
      start(Map.of("redis.url", redis.url(), "keepalive.target", appUrl() + "/api/health"));
      JsonObject doc = awaitHealth(d -> "pass".equals(d.getString("status"))
          && checkHas(d, "memory:utilization", "observedValue", 50.0)
          && !"none".equals(plain().getJsonObject("keepalive").getString("last_result")));

      HttpResponse<String> answer = get("/sidecar/health", "application/health+json");
      assertEquals(200, answer.statusCode());
      assertEquals("application/health+json", answer.headers().firstValue("content-type").orElse(null));
      assertEquals("accept", answer.headers().firstValue("vary").orElse(null));
      assertEquals(ALL_CHECKS, doc.getJsonObject("checks").fieldNames());
      for (String key : ALL_CHECKS) {
        JsonObject check = check(doc, key);
        assertEquals("pass", check.getString("status"), key);
        assertTrue(check.containsKey("observedValue") && check.getString("observedUnit") != null, key);
        assertTrue(check.getString("time") != null, key);
        assertNull(check.getString("output"), () -> key + ": output is only for warn and fail");
      }
      assertEquals("percent", check(doc, "memory:utilization").getString("observedUnit"));
      assertEquals("ms", check(doc, "upstream:responseTime").getString("observedUnit"));
      assertEquals(appUrl(), check(doc, "upstream:responseTime").getString("componentId"));
      assertEquals(1, check(doc, "redis:connections").getInteger("observedValue"));
      assertEquals(0, check(doc, "keepalive:consecutiveFailures").getInteger("observedValue"));

      // The plain JSON stays the default, and wins when the client prefers it.
      for (String accept : new String[] {null, "application/json", "*/*",
          "application/health+json;q=0.5, application/json"}) {
        HttpResponse<String> json = get("/sidecar/health", accept);
        assertEquals("application/json", json.headers().firstValue("content-type").orElse(null), accept);
        assertEquals("healthy", new JsonObject(json.body()).getString("status"), accept);
      }

      HttpResponse<String> ready = get("/sidecar/health/ready?verbose", null);
      assertEquals(200, ready.statusCode());
      assertEquals("text/plain; charset=utf-8", ready.headers().firstValue("content-type").orElse(null));
      assertEquals("[+]upstream ok\n[+]memory ok\n[+]shutdown ok\nreadyz check passed\n", ready.body());
      HttpResponse<String> live = get("/sidecar/health/live?verbose", null);
      assertEquals(200, live.statusCode());
      assertEquals("[+]ping ok\nlivez check passed\n", live.body());
      assertEquals("{\"status\":\"UP\"}", get("/sidecar/health/live", null).body(), "without ?verbose: JSON as before");
    }
  }

  @Test
  void warnForEachDegradingCheck() throws Exception {
    rssMb = 85;
    healthStatus = 500; // never answered yet, fewer failures than unhealthyAfter: degraded
    start(Map.of("upstream.health.unhealthyAfter", "1000", "redis.url", "redis://127.0.0.1:" + closedPort(),
        "redis.timeout", "100ms", "keepalive.target", "http://127.0.0.1:" + closedPort() + "/api/health"));
    for (int i = 0; i < 5; i++) {
      assertEquals(500, get("/boom", null).statusCode());
    }
    JsonObject doc = awaitHealth(d -> List.of("memory:utilization", "upstream:responseTime",
        "keepalive:consecutiveFailures", "redis:connections", "proxy:errorRate").stream()
        .allMatch(k -> checkHas(d, k, "status", "warn")));

    HttpResponse<String> answer = get("/sidecar/health", "application/health+json");
    assertEquals(200, answer.statusCode(), "warn keeps 200, as degraded does");
    assertEquals("warn", doc.getString("status"));
    assertTrue(doc.getString("output").contains("memory at 85% of limit"), doc::encodePrettily);
    assertOutput(doc, "memory:utilization", "memory at 85% of limit (warning)");
    assertOutput(doc, "upstream:responseTime", "the app does not answer its health check at " + appUrl());
    assertOutput(doc, "keepalive:consecutiveFailures", "keep-alive pings to http://127.0.0.1:");
    assertOutput(doc, "redis:connections", "Redis at 127.0.0.1:");
    assertTrue(check(doc, "proxy:errorRate").getString("output").contains("answered 5xx"), doc::encodePrettily);
    assertEquals(0, check(doc, "redis:connections").getInteger("observedValue"));
    assertEquals(85.0, check(doc, "memory:utilization").getDouble("observedValue"));
    assertEquals("pass", check(doc, "vigil:heapUtilization").getString("status"));

    HttpResponse<String> ready = get("/sidecar/health/ready?verbose", null);
    assertEquals(503, ready.statusCode());
    assertEquals("[-]upstream failed: the app does not answer at " + appUrl() + "/api/health\n"
        + "[+]memory ok\n[+]shutdown ok\nreadyz check failed\n", ready.body());
  }

  @Test
  void failForMemoryCriticalAndUpstreamDown() throws Exception {
    rssMb = 97;
    healthStatus = 500;
    start(Map.of("upstream.health.unhealthyAfter", "2", "memory.unreadyWhenCritical", "true",
        "keepalive.enabled", "false"));
    JsonObject doc = awaitHealth(d -> checkHas(d, "memory:utilization", "status", "fail")
        && checkHas(d, "upstream:responseTime", "status", "fail"));

    HttpResponse<String> answer = get("/sidecar/health", "application/health+json");
    assertEquals(503, answer.statusCode(), "fail answers 503, as unhealthy does");
    assertEquals("fail", new JsonObject(answer.body()).getString("status"));
    assertEquals("fail", doc.getString("status"));
    assertOutput(doc, "memory:utilization", "memory at 97% of limit (critical)");
    assertOutput(doc, "upstream:responseTime", "the app does not answer its health check");
    assertFalse(doc.getJsonObject("checks").containsKey("keepalive:consecutiveFailures"), "keep-alive is off");
    assertFalse(doc.getJsonObject("checks").containsKey("redis:connections"), "Redis is not configured");

    HttpResponse<String> ready = get("/sidecar/health/ready?verbose", null);
    assertEquals(503, ready.statusCode());
    assertEquals("[-]upstream failed: the app does not answer at " + appUrl() + "/api/health\n"
        + "[-]memory failed: app memory is critical and memory.unreadyWhenCritical is set\n"
        + "[+]shutdown ok\nreadyz check failed\n", ready.body());

    sidecar.readiness().startDrain();
    String draining = get("/sidecar/health/ready?verbose", null).body();
    assertTrue(draining.endsWith("[-]shutdown failed: shutting down: draining in-flight requests\n"
        + "readyz check failed\n"), draining);
    HttpResponse<String> live = get("/sidecar/health/live?verbose", null);
    assertEquals(200, live.statusCode(), "liveness does not follow the app");
    assertEquals("[+]ping ok\nlivez check passed\n", live.body());
  }

  private void start(Map<String, String> extra) throws Exception {
    Map<String, String> o = new HashMap<>(Map.of("memory.enabled", "true", "memory.poll.interval", "200ms",
        "memory.poll.timeout", "200ms", "memory.limit", "100MiB", "keepalive.enabled", "true",
        "keepalive.windows", "", "keepalive.defaultInterval", "200ms", "keepalive.jitter", "0",
        "keepalive.timeout", "200ms"));
    o.putAll(extra);
    sidecar = Vigils.start(vertx, appUrl(), o);
  }

  private JsonObject awaitHealth(Predicate<JsonObject> condition) throws Exception {
    long deadline = System.nanoTime() + BOUND.toNanos();
    JsonObject doc;
    while (true) {
      doc = new JsonObject(get("/sidecar/health", "application/health+json").body());
      if (condition.test(doc)) {
        return doc;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not reached within " + BOUND.toSeconds() + " s: " + doc.encodePrettily());
      }
      Thread.sleep(100); // polling interval of a bounded wait
    }
  }

  private JsonObject plain() {
    try {
      return new JsonObject(get("/sidecar/health", null).body());
    } catch (IOException | InterruptedException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean checkHas(JsonObject doc, String key, String field, Object value) {
    JsonArray entries = doc.getJsonObject("checks").getJsonArray(key);
    return entries != null && value.equals(entries.getJsonObject(0).getValue(field));
  }

  private static JsonObject check(JsonObject doc, String key) {
    JsonArray entries = doc.getJsonObject("checks").getJsonArray(key);
    assertEquals(1, entries.size(), key);
    return entries.getJsonObject(0);
  }

  private static void assertOutput(JsonObject doc, String key, String start) {
    String output = check(doc, key).getString("output");
    assertTrue(output != null && output.startsWith(start), () -> key + ": output " + output + ", expected " + start);
  }

  private HttpResponse<String> get(String path, String accept) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + sidecar.proxyPort() + path)).timeout(Duration.ofSeconds(5));
    if (accept != null) {
      request.header("accept", accept);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private String appUrl() {
    return "http://127.0.0.1:" + app.actualPort();
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
