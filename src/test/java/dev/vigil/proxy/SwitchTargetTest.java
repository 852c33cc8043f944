package dev.vigil.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.testing.TestUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Switching the upstream target under traffic: new requests move, in-flight ones finish where they are. */
class SwitchTargetTest extends ProxyTestBase {

  @Test
  void newRequestsGoToTheNewTargetWhileInFlightOnesFinishOnTheOld() throws Exception {
    app.answer(req -> {
      if (req.path().equals("/slow")) {
        vertx.setTimer(600, id -> req.response().end("old-slow"));
      } else {
        req.response().end("old");
      }
    });
    try (TestUpstream next = new TestUpstream(vertx)) {
      next.answer(req -> req.response().end("new"));
      startVigil(Map.of());
      HttpClient client = HttpClient.newHttpClient();
      // Warm several keep-alive connections to the old target.
      for (int i = 0; i < 5; i++) {
        assertEquals("old", get(client, "/").body());
      }
      CompletableFuture<HttpResponse<String>> slow = client.sendAsync(req("/slow"),
          HttpResponse.BodyHandlers.ofString());
      UpstreamTarget target = sidecar.proxyRuntime().target();
      waitUntil("the slow request reached the old app", () -> app.seen().stream().anyMatch(s -> s.uri().equals("/slow")));

      UpstreamTarget.Target old = target.switchTo("127.0.0.1", next.port());
      assertEquals(app.port(), old.port());
      assertTrue(old.connections() >= 1, "the slow request holds a connection to the old app");
      for (int i = 0; i < 20; i++) {
        assertEquals("new", get(client, "/").body(), "request " + i + " after the switch");
      }
      HttpResponse<String> r = slow.get(5, TimeUnit.SECONDS);
      assertEquals(200, r.statusCode());
      assertEquals("old-slow", r.body());
      // Idle connections to the old target closed, the slow one closed when it ended: drained.
      waitUntil("the old target has no connection left", () -> old.connections() == 0);
      assertEquals(List.of(), next.seen().stream().filter(s -> s.uri().equals("/slow")).toList());
      assertEquals(5 + 1, app.seen().size(), "nothing reached the old app after the switch");
    }
  }

  HttpRequest req(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build();
  }

  HttpResponse<String> get(HttpClient client, String path) throws Exception {
    return client.send(req(path), HttpResponse.BodyHandlers.ofString());
  }

  static void waitUntil(String what, java.util.function.BooleanSupplier cond) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within 10 s: " + what);
      }
      Thread.sleep(10);
    }
  }
}
