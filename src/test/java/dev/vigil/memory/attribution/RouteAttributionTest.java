package dev.vigil.memory.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.Sidecar;
import dev.vigil.testing.Vigils;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Attribution end to end: a real app on loopback behind a real sidecar, mixed traffic through the
 * proxy. {@code POST /api/chat} keeps 512 KiB per request, {@code POST /api/upload} 256 KiB,
 * {@code GET /api/items} and {@code GET /api/health} nothing; the app reports what it holds.
 */
class RouteAttributionTest {

  static final int CHAT_BYTES = 512 * 1024;
  static final int UPLOAD_BYTES = 256 * 1024;
  static final double BASE_MIB = 50;
  /**
   * Three traffic ticks per sample. A request that ends between the app's memory answer and the
   * sidecar reading its counters lands in the wrong interval; at the default 30 s that is noise, at
   * 100 ms on a loaded machine it diluted the rates by a third.
   */
  static final String POLL = "300ms";

  private Vertx vertx;
  private HttpServer app;
  private final ConcurrentLinkedQueue<byte[]> kept = new ConcurrentLinkedQueue<>();
  private final AtomicLong keptBytes = new AtomicLong();
  private volatile double timeLeakMiBPerSecond;
  /** Sawtooth mode: chat and upload make garbage instead of keeping memory; every 5th read finds it collected. */
  private volatile boolean sawtooth;
  private final AtomicLong garbageBytes = new AtomicLong();
  private final AtomicLong reads = new AtomicLong();
  private final long started = System.nanoTime();

  @BeforeEach
  void startApp() throws Exception {
    vertx = Vertx.vertx();
    app = vertx.createHttpServer().requestHandler(req -> {
      switch (req.path()) {
        case "/api/chat" -> {
          if (sawtooth) {
            garbageBytes.addAndGet(CHAT_BYTES);
          } else {
            keep(CHAT_BYTES);
          }
        }
        case "/api/upload" -> {
          if (sawtooth) {
            garbageBytes.addAndGet(UPLOAD_BYTES);
          } else {
            keep(UPLOAD_BYTES);
          }
        }
        case "/api/memory-status" -> {
          if (sawtooth && reads.incrementAndGet() % 5 == 0) {
            garbageBytes.set(0); // a collection
          }
          double rss = BASE_MIB + (keptBytes.get() + garbageBytes.get()) / 1048576.0
              + timeLeakMiBPerSecond * (System.nanoTime() - started) / 1e9;
          req.response().putHeader("content-type", "application/json")
              .end(new JsonObject().put("rss_mb", rss).encode());
          return;
        }
        default -> { }
      }
      req.response().end("ok");
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  private void keep(int bytes) {
    kept.add(new byte[bytes]); // really retained, like a chat engine keeping every conversation
    keptBytes.addAndGet(bytes);
  }

  @AfterEach
  void stop() throws Exception {
    kept.clear();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private Sidecar sidecar() throws Exception {
    String url = "http://127.0.0.1:" + app.actualPort();
    return Vigils.start(vertx, url, Map.of("memory.enabled", "true", "memory.poll.url", url + "/api/memory-status",
        "memory.poll.interval", POLL, "memory.trend.window", "20s"));
  }

  /** Bursts of traffic every 100 ms, each route's size drawn anew, for {@code ticks} ticks. */
  static void traffic(HttpClient client, int port, int ticks, int[] max) throws Exception {
    String[][] routes = {{"POST", "/api/chat"}, {"POST", "/api/upload"}, {"GET", "/api/items/42"}, {"GET", "/api/health"}};
    Random random = new Random(11);
    for (int tick = 0; tick < ticks; tick++) {
      long next = System.nanoTime() + 100_000_000L;
      List<Future<?>> sent = new ArrayList<>();
      for (int r = 0; r < routes.length; r++) {
        for (int n = random.nextInt(max[r] + 1); n > 0; n--) {
          sent.add(client.request(HttpMethod.valueOf(routes[r][0]), port, "127.0.0.1", routes[r][1])
              .compose(req -> req.send().compose(resp -> resp.body())));
        }
      }
      Future.all(sent).await(10, TimeUnit.SECONDS);
      long wait = next - System.nanoTime();
      if (wait > 0) {
        TimeUnit.NANOSECONDS.sleep(wait); // pacing the load, not waiting for a result
      }
    }
  }

  static JsonObject get(HttpClient client, int port, String path) throws Exception {
    return client.request(HttpMethod.GET, port, "127.0.0.1", path)
        .compose(req -> req.send().compose(resp -> resp.body()))
        .map(b -> b.toJsonObject()).await(10, TimeUnit.SECONDS);
  }

  /** Polls /sidecar/memory until the attribution holds {@code rows} routes, within a bound. */
  static JsonObject awaitAttribution(HttpClient client, int port, int rows) throws Exception {
    long deadline = System.nanoTime() + 5_000_000_000L;
    JsonObject memory = get(client, port, "/sidecar/memory");
    while (memory.getJsonArray("attribution").size() < rows && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(100);
      memory = get(client, port, "/sidecar/memory");
    }
    return memory;
  }

  @Test
  void theLeakingRoutesAreNamedWithTheirRatesAndRankedOnEveryReport() throws Exception {
    Sidecar sidecar = sidecar();
    HttpClient client = vertx.createHttpClient();
    int port = sidecar.proxyPort();
    traffic(client, port, 100, new int[] {6, 6, 10, 10});
    JsonObject memory = awaitAttribution(client, port, 2);
    assertTrue(memory.getBoolean("leak_suspected"), memory.encodePrettily());
    JsonArray rows = memory.getJsonArray("attribution");
    System.out.println(getClass().getSimpleName() + " attribution: " + rows.encode()
        + " unexplained_mib_per_hour=" + memory.getValue("unexplained_mib_per_hour"));
    assertEquals(2, rows.size(), rows.encodePrettily());
    JsonObject chat = rows.getJsonObject(0);
    assertEquals("/api/chat", chat.getString("route"), rows.encodePrettily());
    assertEquals("POST", chat.getString("method"));
    assertEquals(0.5, chat.getDouble("mib_per_request"), 0.5 * 0.25, rows.encodePrettily());
    assertTrue(chat.getLong("requests") > 0);
    JsonObject upload = rows.getJsonObject(1);
    assertEquals("/api/upload", upload.getString("route"));
    assertEquals(0.25, upload.getDouble("mib_per_request"), 0.25 * 0.25, rows.encodePrettily());
    assertTrue(chat.getDouble("share_of_growth") > upload.getDouble("share_of_growth"));
    assertTrue(memory.containsKey("unexplained_mib_per_hour"));

    JsonArray issues = get(client, port, "/sidecar/health").getJsonArray("issues");
    assertTrue(issues.stream().anyMatch(i -> i.toString().matches(
        "POST /api/chat retains about 0\\.[4-6] MiB per request: \\d+% of the growth in the last \\d+ s")),
        issues.encodePrettily());

    String metrics = client.request(HttpMethod.GET, port, "127.0.0.1", "/sidecar/metrics")
        .compose(req -> req.send().compose(resp -> resp.body())).await(10, TimeUnit.SECONDS).toString();
    assertTrue(metrics.contains("vigil_app_memory_route_retained_bytes{route=\"/api/chat\"}"), metrics);
    assertTrue(metrics.contains("vigil_app_memory_route_retained_bytes{route=\"/api/upload\"}"));
    assertTrue(!metrics.contains("vigil_app_memory_route_retained_bytes{route=\"/api/items/{id}\"}"));
    Process promtool = new ProcessBuilder("/usr/bin/promtool", "check", "metrics").redirectErrorStream(true).start();
    try (var in = promtool.getOutputStream()) {
      in.write(metrics.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    String lint = new String(promtool.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertTrue(promtool.waitFor(30, TimeUnit.SECONDS));
    assertEquals(0, promtool.exitValue(), "promtool: " + lint);
  }

  @Test
  void aSawtoothThatFreesItsGarbageBlamesNoRoute() throws Exception {
    sawtooth = true;
    Sidecar sidecar = sidecar();
    HttpClient client = vertx.createHttpClient();
    int port = sidecar.proxyPort();
    traffic(client, port, 60, new int[] {6, 6, 10, 10});
    JsonObject memory = get(client, port, "/sidecar/memory");
    assertTrue(memory.getJsonArray("lows").size() >= 3, "collections seen: " + memory.getJsonArray("lows").encode());
    assertEquals(false, memory.getBoolean("leak_suspected"), memory.encode());
    assertEquals(0, memory.getJsonArray("attribution").size(), memory.getJsonArray("attribution").encode());
    JsonArray issues = get(client, port, "/sidecar/health").getJsonArray("issues");
    assertTrue(issues.stream().noneMatch(i -> i.toString().contains("per request")), issues.encode());
  }

  @Test
  void aTimeLeakIsUnexplainedGrowthNotTheBusiestRoute() throws Exception {
    timeLeakMiBPerSecond = 2;
    Sidecar sidecar = sidecar();
    HttpClient client = vertx.createHttpClient();
    int port = sidecar.proxyPort();
    traffic(client, port, 60, new int[] {0, 0, 20, 10});
    JsonObject memory = get(client, port, "/sidecar/memory");
    assertTrue(memory.getBoolean("leak_suspected"), memory.encodePrettily());
    assertEquals(0, memory.getJsonArray("attribution").size(), memory.getJsonArray("attribution").encode());
    assertEquals(7200, memory.getDouble("unexplained_mib_per_hour"), 7200 * 0.25, memory.encode());
  }
}
