package dev.vigil.memory.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.Sidecar;
import dev.vigil.app.Ports;
import dev.vigil.testing.Vigils;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Attribution on a real Python app: {@code leaky_flask_app.py} under gunicorn (one worker, four
 * threads), its memory read from the worker's own RSS, mixed traffic through a real sidecar.
 * {@code POST /api/chat} keeps 512 KiB, {@code POST /api/upload} 256 KiB, the GET routes nothing.
 */
class FlaskAttributionTest {

  private Process gunicorn;
  private int port;
  private final Vertx vertx = Vertx.vertx();

  @BeforeEach
  void startGunicorn() throws Exception {
    Path dir = Path.of(getClass().getResource("/app/leaky_flask_app.py").toURI()).getParent();
    port = Ports.freeLoopbackPort();
    gunicorn = new ProcessBuilder("/usr/bin/gunicorn", "-w", "1", "--threads", "4", "-b", "127.0.0.1:" + port,
        "--chdir", dir.toString(), "leaky_flask_app:app").redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    while (true) {
      try {
        if (http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/health"))
            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException notYet) {
        // not listening yet
      }
      assertTrue(System.nanoTime() < end, "gunicorn did not answer within 30 s");
      TimeUnit.MILLISECONDS.sleep(50);
    }
  }

  @AfterEach
  void stop() throws Exception {
    gunicorn.destroy();
    if (!gunicorn.waitFor(10, TimeUnit.SECONDS)) {
      gunicorn.destroyForcibly();
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void theChatRouteIsNamedFromTheWorkersRealMemory() throws Exception {
    String url = "http://127.0.0.1:" + port;
    Sidecar sidecar = Vigils.start(vertx, url, Map.of("memory.enabled", "true",
        "memory.poll.url", url + "/api/memory-status", "memory.poll.interval", RouteAttributionTest.POLL, "memory.trend.window", "20s"));
    HttpClient client = vertx.createHttpClient();
    int proxy = sidecar.proxyPort();
    RouteAttributionTest.traffic(client, proxy, 100, new int[] {6, 6, 10, 10});
    JsonObject memory = RouteAttributionTest.awaitAttribution(client, proxy, 2);
    JsonArray rows = memory.getJsonArray("attribution");
    System.out.println(getClass().getSimpleName() + " attribution: " + rows.encode()
        + " unexplained_mib_per_hour=" + memory.getValue("unexplained_mib_per_hour"));
    assertTrue(memory.getBoolean("leak_suspected"), memory.encodePrettily());
    assertTrue(rows.size() >= 1, memory.encodePrettily());
    JsonObject chat = rows.getJsonObject(0);
    assertEquals("/api/chat", chat.getString("route"), rows.encodePrettily());
    assertEquals(0.5, chat.getDouble("mib_per_request"), 0.5 * 0.25, rows.encodePrettily());
    assertEquals(2, rows.size(), rows.encodePrettily());
    assertEquals("/api/upload", rows.getJsonObject(1).getString("route"));
    assertEquals(0.25, rows.getJsonObject(1).getDouble("mib_per_request"), 0.25 * 0.25, rows.encodePrettily());
  }
}
