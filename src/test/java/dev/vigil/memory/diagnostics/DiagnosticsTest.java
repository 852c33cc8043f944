package dev.vigil.memory.diagnostics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The diagnostics hook against real endpoints on loopback: fast, slow, failing, huge. */
class DiagnosticsTest {

  private Vertx vertx;
  private HttpServer app;
  private final List<JsonObject> received = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    vertx = Vertx.vertx();
    app = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      received.add(body.toJsonObject());
      switch (req.path()) {
        case "/snapshot" -> req.response().putHeader("content-type", "application/json")
            .end(new JsonObject().put("top", "chat.py:42 812 MiB").encode());
        case "/slow" -> vertx.setTimer(5_000, id -> req.response().end("late"));
        case "/broken" -> req.response().setStatusCode(500).end("boom");
        case "/huge" -> req.response().putHeader("content-type", "text/plain").end("x".repeat(3 << 20));
        default -> req.response().setStatusCode(404).end();
      }
    })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private Diagnostics hook(String path, Duration timeout) {
    return new Diagnostics(vertx, URI.create("http://127.0.0.1:" + app.actualPort() + path), timeout,
        Clock.systemUTC());
  }

  @Test
  void theAnswerIsStoredWithTriggerStatusAndBody() throws Exception {
    Diagnostics d = hook("/snapshot", Duration.ofSeconds(5));
    DiagnosticsAnswer a = d.capture(Diagnostics.CRITICAL, new JsonObject().put("rss_mib", 500.0))
        .await(10, TimeUnit.SECONDS);
    assertEquals(200, a.status());
    assertNull(a.error());
    assertTrue(a.body().contains("chat.py:42"), a.body());
    assertEquals("application/json", a.contentType());
    assertEquals("critical", received.get(0).getString("trigger"));
    assertEquals(500.0, received.get(0).getDouble("rss_mib"));
    JsonObject json = d.toJson();
    assertEquals(1, json.getJsonArray("answers").size());
    assertEquals("critical", json.getJsonArray("answers").getJsonObject(0).getString("trigger"));
  }

  @Test
  void aSlowEndpointNeverDelaysTheCallerBeyondTheTimeout() throws Exception {
    Diagnostics d = hook("/slow", Duration.ofMillis(300));
    long start = System.nanoTime();
    DiagnosticsAnswer a = d.capture(Diagnostics.RECYCLE, null).await(10, TimeUnit.SECONDS);
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms >= 250 && ms < 1_300, "took " + ms + " ms");
    assertNull(a.status());
    assertTrue(a.error().contains("did not answer within"), a.error());
    assertEquals(1, d.store().answers().size());
  }

  @Test
  void beforeARecycleTheWatchNeverWaitsLongerThanTheTimeout() throws Exception {
    // What the recycle calls: MemoryWatch.diagnostics("recycle"), here against an endpoint that hangs.
    var watch = new dev.vigil.memory.MemoryWatch(vertx, dev.vigil.memory.MemoryWatchOptions.defaults(
        URI.create("http://127.0.0.1:" + app.actualPort() + "/api/memory-status")), Clock.systemUTC(), null, null, null,
        null, hook("/slow", Duration.ofMillis(400)));
    long start = System.nanoTime();
    DiagnosticsAnswer a = watch.diagnostics(Diagnostics.RECYCLE).await(10, TimeUnit.SECONDS);
    long ms = (System.nanoTime() - start) / 1_000_000;
    assertTrue(ms < 1_400, "the recycle waited " + ms + " ms");
    assertEquals("recycle", a.trigger());
    assertEquals("recycle", received.get(0).getString("trigger"));
    assertEquals(1, watch.diagnosticsJson().getJsonArray("answers").size());
    var none = new dev.vigil.memory.MemoryWatch(vertx, dev.vigil.memory.MemoryWatchOptions.defaults(
        URI.create("http://127.0.0.1:1/")), Clock.systemUTC(), null);
    assertNull(none.diagnostics(Diagnostics.RECYCLE).await(1, TimeUnit.SECONDS), "no URL: nothing to wait for");
  }

  @Test
  void aFailingEndpointIsStoredAsAnError() throws Exception {
    DiagnosticsAnswer broken = hook("/broken", Duration.ofSeconds(5)).capture(Diagnostics.MANUAL, null)
        .await(10, TimeUnit.SECONDS);
    assertEquals(500, broken.status());
    assertTrue(broken.error().contains("500"), broken.error());
    assertEquals("boom", broken.body());

    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    Diagnostics refused = new Diagnostics(vertx, URI.create("http://127.0.0.1:" + closed + "/x"), Duration.ofSeconds(5),
        Clock.systemUTC());
    DiagnosticsAnswer a = refused.capture(Diagnostics.CRITICAL, null).await(10, TimeUnit.SECONDS);
    assertNull(a.status());
    assertTrue(a.error().contains("connection refused"), a.error());
  }

  @Test
  void aHugeAnswerIsCutAtOneMebibyteAndFlagged() throws Exception {
    DiagnosticsAnswer a = hook("/huge", Duration.ofSeconds(5)).capture(Diagnostics.MANUAL, null)
        .await(10, TimeUnit.SECONDS);
    assertTrue(a.truncated());
    assertEquals(Diagnostics.MAX_BODY, a.body().length());
    assertTrue(a.bytes() > Diagnostics.MAX_BODY);
  }

  @Test
  void onlyTheLastFiveAnswersAreKeptNewestFirst() throws Exception {
    Diagnostics d = hook("/snapshot", Duration.ofSeconds(5));
    for (int i = 0; i < 7; i++) {
      d.capture(i == 6 ? Diagnostics.RECYCLE : Diagnostics.MANUAL, null).await(10, TimeUnit.SECONDS);
    }
    List<DiagnosticsAnswer> kept = d.store().answers();
    assertEquals(DiagnosticsStore.CAPACITY, kept.size());
    assertEquals("recycle", kept.get(0).trigger());
    assertFalse(kept.get(0).t().isBefore(kept.get(4).t()));
  }
}
