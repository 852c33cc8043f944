package dev.vigil.app.recycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.Sidecar;
import dev.vigil.app.Ports;
import dev.vigil.testing.Vigils;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Sidecar mode: Vigil cannot restart the app, kubelet does when the app container's livenessProbe
 * (pointed at {@code /sidecar/health/app-live}) fails. The stand-in app is the test suite's leaky
 * Python app; the test plays kubelet and restarts it when app-live answers 503.
 */
class AppLiveTest {

  static final String TOKEN = "recycle-test-token-0123456789";

  Vertx vertx = Vertx.vertx();
  Sidecar sidecar;
  Process app;
  final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @AfterEach
  void tearDown() throws Exception {
    if (sidecar != null) {
      sidecar.stop().await(30, TimeUnit.SECONDS);
    }
    if (app != null) {
      app.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  Process startApp(int port) throws Exception {
    return startApp(port, Map.of());
  }

  Process startApp(int port, Map<String, String> env) throws Exception {
    Path script = Path.of(AppLiveTest.class.getResource("/app/leaky_app.py").toURI());
    ProcessBuilder pb = new ProcessBuilder(List.of("/usr/bin/python3", script.toString())).inheritIO();
    pb.environment().put("PORT", Integer.toString(port));
    pb.environment().putAll(env);
    Process p = pb.start();
    waitUntil("the app answers", 15, () -> status(port, "/health") == 200);
    return p;
  }

  int status(int port, String path) {
    try {
      return get(port, path).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void appLiveFailsOnlyAfterReadinessWentOffAndInFlightRequestsFinishedThenRecovers() throws Exception {
    int appPort = Ports.freeLoopbackPort();
    app = startApp(appPort);
    sidecar = Vigils.start(vertx, "http://127.0.0.1:" + appPort, Map.of(
        "memory.enabled", "true", "memory.poll.url", "http://127.0.0.1:" + appPort + "/api/memory-status",
        "memory.poll.interval", "100ms", "memory.limit", "96MiB", "upstream.health.path", "/health",
        "recycle.enabled", "true", "recycle.minInterval", "1m", "lifecycle.drainTimeout", "10s",
        "admin.token", TOKEN));
    int vigil = sidecar.proxyPort();
    assertEquals(200, status(vigil, "/sidecar/health/app-live"));
    waitUntil("ready", 10, () -> status(vigil, "/sidecar/health/ready") == 200);

    // A slow request is in flight when the leak pushes memory to critical.
    CompletableFuture<HttpResponse<String>> slow = http.sendAsync(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + vigil + "/slow?ms=4000")).build(), HttpResponse.BodyHandlers.ofString());
    waitUntil("the slow request is in flight", 10, () -> sidecar.proxyRuntime().inFlight() == 1);
    assertEquals(200, get(appPort, "/leak?mb=100&at_once=1").statusCode());

    long readyOffAt = -1;
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (status(vigil, "/sidecar/health/app-live") == 200) {
      if (readyOffAt < 0 && status(vigil, "/sidecar/health/ready") == 503) {
        readyOffAt = System.nanoTime();
      }
      assertTrue(System.nanoTime() < end, "app-live never turned 503");
      Thread.sleep(10);
    }
    long liveOffAt = System.nanoTime();
    assertTrue(readyOffAt > 0 && readyOffAt <= liveOffAt, "readiness went off first");
    assertTrue(slow.isDone(), "the request in flight had finished before app-live failed");
    assertEquals(200, slow.get().statusCode());
    assertEquals(503, status(vigil, "/sidecar/health/ready"));

    // kubelet: the liveness probe failed, restart the app container.
    app.destroy();
    assertTrue(app.waitFor(10, TimeUnit.SECONDS));
    // A container restart takes kubelet longer than Vigil's 200 ms probe: start the app again once
    // Vigil has seen it gone (a restart faster than one probe would not be seen; README).
    waitUntil("Vigil sees the app gone", 15, () -> {
      try {
        return get(vigil, "/sidecar/health").body().contains("stopped answering");
      } catch (Exception e) {
        return false;
      }
    });
    app = startApp(appPort);
    waitUntil("app-live answers 200 again", 15, () -> status(vigil, "/sidecar/health/app-live") == 200);
    waitUntil("ready again", 15, () -> status(vigil, "/sidecar/health/ready") == 200);

    JsonObject health = new JsonObject(get(vigil, "/sidecar/health").body());
    JsonObject recycles = health.getJsonObject("app").getJsonObject("recycles");
    assertEquals(1, recycles.getInteger("total"));
    JsonObject last = recycles.getJsonObject("last");
    assertEquals("hold", last.getString("path"));
    assertTrue(last.getString("reason").startsWith("memory is critical"), last.encode());
    assertEquals(0, last.getInteger("failed"));
    assertNotNull(last.getDouble("rss_before_mib"));
    assertTrue(health.getJsonArray("issues").stream().anyMatch(i -> i.toString().startsWith("recycled the app at")),
        health.getJsonArray("issues").encode());
    String metrics = get(vigil, "/sidecar/metrics").body();
    assertTrue(metrics.contains("vigil_app_recycles_total{path=\"hold\"} 1.0"), metrics);
    assertTrue(metrics.contains("vigil_app_recycles_total{path=\"overlap\"} 0.0"), metrics);
  }

  Map<String, String> cleanupSettings(int appPort) {
    return Map.ofEntries(Map.entry("memory.enabled", "true"),
        Map.entry("memory.poll.url", "http://127.0.0.1:" + appPort + "/api/memory-status"),
        Map.entry("memory.poll.interval", "100ms"), Map.entry("memory.limit", "96MiB"),
        Map.entry("memory.cleanup.url", "http://127.0.0.1:" + appPort + "/api/cleanup"),
        Map.entry("upstream.health.path", "/health"), Map.entry("recycle.enabled", "true"),
        Map.entry("recycle.minInterval", "1m"), Map.entry("lifecycle.drainTimeout", "10s"));
  }

  @Test
  void aCleanupThatFreesTheMemoryComesFirstAndNoRecycleFollows() throws Exception {
    int appPort = Ports.freeLoopbackPort();
    app = startApp(appPort);
    sidecar = Vigils.start(vertx, "http://127.0.0.1:" + appPort, cleanupSettings(appPort));
    int vigil = sidecar.proxyPort();
    waitUntil("ready", 10, () -> status(vigil, "/sidecar/health/ready") == 200);
    assertEquals(200, get(appPort, "/leak?mb=100&at_once=1").statusCode());
    waitUntil("the cleanup endpoint was called", 15,
        () -> info(appPort).getInteger("cleanups") >= 1);
    waitUntil("the cleanup freed the memory", 15, () -> memory(vigil).getDouble("rss_mib", 1e9) < 60);
    // The policy watches the next samples: they are below the threshold, so no recycle follows.
    int samples = memory(vigil).getJsonArray("samples").size();
    waitUntil("five more samples", 15, () -> memory(vigil).getJsonArray("samples").size() >= samples + 5);
    assertEquals(200, status(vigil, "/sidecar/health/app-live"));
    assertEquals(200, status(vigil, "/sidecar/health/ready"));
    JsonObject recycles = new JsonObject(get(vigil, "/sidecar/health").body()).getJsonObject("app")
        .getJsonObject("recycles");
    assertEquals(0, recycles.getInteger("total"), recycles.encode());
  }

  @Test
  void aCleanupThatDoesNotHelpIsFollowedByTheRecycle() throws Exception {
    int appPort = Ports.freeLoopbackPort();
    app = startApp(appPort, Map.of("CLEANUP_FREES", "0"));
    sidecar = Vigils.start(vertx, "http://127.0.0.1:" + appPort, cleanupSettings(appPort));
    int vigil = sidecar.proxyPort();
    waitUntil("ready", 10, () -> status(vigil, "/sidecar/health/ready") == 200);
    assertEquals(200, get(appPort, "/leak?mb=100").statusCode());
    waitUntil("app-live answers 503", 20, () -> status(vigil, "/sidecar/health/app-live") == 503);
    assertTrue(info(appPort).getInteger("cleanups") >= 1, "the cleanup call came first");
  }

  JsonObject memory(int vigil) {
    try {
      return new JsonObject(get(vigil, "/sidecar/memory").body());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  JsonObject info(int port) {
    try {
      return new JsonObject(get(port, "/info").body());
    } catch (Exception e) {
      return new JsonObject().put("cleanups", -1);
    }
  }

  @Test
  void aRecycleByHandNeedsTheTokenAndIsRefusedWhenOff() throws Exception {
    int appPort = Ports.freeLoopbackPort();
    app = startApp(appPort);
    sidecar = Vigils.start(vertx, "http://127.0.0.1:" + appPort, Map.of("admin.token", TOKEN));
    int vigil = sidecar.proxyPort();
    assertEquals(200, status(vigil, "/sidecar/health/app-live"), "recycling off: always live");
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + vigil
            + "/sidecar/app/recycle")).header("authorization", "Bearer " + TOKEN)
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(409, r.statusCode());
    assertTrue(r.body().contains("recycling is off (recycle.enabled: false)"), r.body());
    r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + vigil + "/sidecar/app/recycle"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(401, r.statusCode());
  }

  static void waitUntil(String what, long seconds, java.util.function.BooleanSupplier cond) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within " + seconds + " s: " + what);
      }
      Thread.sleep(20);
    }
  }
}
