package dev.vigil.memory.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.Sidecar;
import dev.vigil.testing.Vigils;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Through a real sidecar: the hook fires on entering critical, and the admin surface shows and calls it. */
class CriticalDiagnosticsTest {

  static final String TOKEN = "diagnostics-test-token-0123456789abcdef";

  private final Vertx vertx = Vertx.vertx();
  private final List<JsonObject> calls = new CopyOnWriteArrayList<>();
  private volatile double rssMiB = 100;

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private HttpServer app() throws Exception {
    return vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      switch (req.path()) {
        case "/api/memory-status" -> req.response().putHeader("content-type", "application/json").end(new JsonObject()
            .put("rss_mb", rssMiB).put("system", new JsonObject().put("total_mb", 1000)).encode());
        case "/api/heap-snapshot" -> {
          calls.add(body.toJsonObject());
          req.response().putHeader("content-type", "text/plain").end("top: chat.py:42 812 MiB");
        }
        default -> req.response().end("ok");
      }
    })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  private static JsonObject call(HttpClient client, HttpMethod method, int port, String path) throws Exception {
    return client.request(method, port, "127.0.0.1", path)
        .compose(req -> req.putHeader("authorization", "Bearer " + TOKEN).send().compose(resp -> resp.body()))
        .map(b -> b.toJsonObject()).await(10, TimeUnit.SECONDS);
  }

  @Test
  void enteringCriticalCallsTheHookAndTheAnswerIsServed() throws Exception {
    String url = "http://127.0.0.1:" + app().actualPort();
    Sidecar sidecar = Vigils.start(vertx, url, Map.of("memory.enabled", "true", "memory.poll.interval", "100ms",
        "memory.diagnostics.url", url + "/api/heap-snapshot", "admin.token", TOKEN));
    HttpClient client = vertx.createHttpClient();
    int port = sidecar.proxyPort();

    JsonObject before = call(client, HttpMethod.GET, port, "/sidecar/memory/diagnostics");
    assertEquals(url + "/api/heap-snapshot", before.getString("url"));
    assertEquals(0, before.getJsonArray("answers").size());

    rssMiB = 980; // 98 % of the reported 1000 MiB: critical after two samples
    long deadline = System.nanoTime() + 10_000_000_000L;
    JsonArray answers = new JsonArray();
    while (answers.isEmpty() && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(50);
      answers = call(client, HttpMethod.GET, port, "/sidecar/memory/diagnostics").getJsonArray("answers");
    }
    assertEquals(1, answers.size(), answers.encode());
    JsonObject a = answers.getJsonObject(0);
    assertEquals("critical", a.getString("trigger"));
    assertEquals(200, a.getInteger("status"));
    assertEquals("top: chat.py:42 812 MiB", a.getString("body"));
    assertEquals("critical", calls.get(0).getString("trigger"));
    assertEquals(980.0, calls.get(0).getDouble("rss_mib"));

    JsonObject manual = call(client, HttpMethod.POST, port, "/sidecar/memory/diagnostics");
    assertEquals("manual", manual.getString("trigger"));
    JsonArray after = call(client, HttpMethod.GET, port, "/sidecar/memory/diagnostics").getJsonArray("answers");
    assertEquals(2, after.size());
    assertEquals("manual", after.getJsonObject(0).getString("trigger"), "newest first");
    assertTrue(calls.size() == 2, "still critical: the hook fires on entering, not on every sample");
  }

  @Test
  void withoutAUrlThereIsNothingToCall() throws Exception {
    String url = "http://127.0.0.1:" + app().actualPort();
    Sidecar sidecar = Vigils.start(vertx, url, Map.of("memory.enabled", "true", "admin.token", TOKEN));
    HttpClient client = vertx.createHttpClient();
    JsonObject none = call(client, HttpMethod.GET, sidecar.proxyPort(), "/sidecar/memory/diagnostics");
    assertEquals(null, none.getValue("url"));
    JsonObject post = call(client, HttpMethod.POST, sidecar.proxyPort(), "/sidecar/memory/diagnostics");
    assertEquals(409, post.getInteger("status"));
  }
}
