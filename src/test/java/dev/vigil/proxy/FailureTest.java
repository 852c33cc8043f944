package dev.vigil.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.testing.RawHttp;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The app refusing, resetting, hanging, or being asked for too much at once. */
class FailureTest extends ProxyTestBase {

  @Test
  void refusedConnectionIs502() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    sidecar = dev.vigil.testing.Vigils.start(vertx, "http://127.0.0.1:" + closed, Map.of());
    port = sidecar.proxyPort();
    try (RawHttp c = raw()) {
      assertJsonError(c.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n").read(), 502);
    }
    assertEquals(1, sidecar.health().report().getJsonObject("proxy").getJsonObject("rejected")
        .getInteger("upstream_error"));
  }

  @Test
  void resetBeforeAnsweringIs502() throws Exception {
    startVigil(Map.of());
    app.answer(req -> req.connection().close());
    try (RawHttp c = raw()) {
      assertJsonError(c.send("GET /reset HTTP/1.1\r\nHost: a\r\n\r\n").read(), 502);
    }
  }

  @Test
  void slowAppIs504AfterTheRequestTimeout() throws Exception {
    startVigil(Map.of("proxy.requestTimeout", "300ms"));
    app.answer(req -> vertx.setTimer(5_000, id -> req.response().end("too late")));
    long start = System.nanoTime();
    try (RawHttp c = raw()) {
      assertJsonError(c.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n").read(), 504);
    }
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
    assertTrue(ms >= 290 && ms < 3_000, "504 after " + ms + " ms");
    assertEquals(1, sidecar.health().report().getJsonObject("proxy").getJsonObject("rejected").getInteger("timeout"));
  }

  @Test
  void tooManyInFlightIs503WithRetryAfter() throws Exception {
    startVigil(Map.of("proxy.maxInFlight", "2"));
    app.answer(req -> vertx.setTimer(1_000, id -> req.response().end("slow")));
    HttpClient client = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(10));
    List<Future<Integer>> slow = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      slow.add(client.request(HttpMethod.GET, port, "127.0.0.1", "/slow/" + i)
          .compose(r -> r.send().compose(resp -> resp.body().map(b -> resp.statusCode()))));
    }
    // Wait until both are in flight at the app, then one more must be refused.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (app.seen().size() < 2 && System.nanoTime() < deadline) {
      Thread.sleep(10); // test thread, bounded
    }
    try (RawHttp c = raw()) {
      RawHttp.Response r = c.send("GET /third HTTP/1.1\r\nHost: a\r\n\r\n").read();
      assertJsonError(r, 503);
      assertTrue(Integer.parseInt(r.headers().get("retry-after")) >= 1);
    }
    for (Future<Integer> f : slow) {
      assertEquals(200, f.await(10, TimeUnit.SECONDS));
    }
    JsonObject rejected = sidecar.health().report().getJsonObject("proxy").getJsonObject("rejected");
    assertEquals(1, rejected.getInteger("overloaded"));
  }

  @Test
  void slowlorisHeadersAreCutOffButFastClientsAreServed() throws Exception {
    startVigil(Map.of("proxy.headerTimeout", "500ms"));
    long start = System.nanoTime();
    try (RawHttp slow = raw()) {
      slow.send("GET / HTTP/1.1\r\nHost: a\r\n");
      boolean closed = false;
      for (int i = 0; i < 40 && !closed; i++) {
        try {
          slow.send("X-Trickle-" + i + ": y\r\n");
        } catch (IOException e) {
          closed = true;
        }
        // A fast client on another connection is served meanwhile.
        if (i == 1) {
          try (RawHttp fast = raw()) {
            assertEquals(200, fast.send("GET /fast HTTP/1.1\r\nHost: a\r\n\r\n").read().status());
          }
        }
        Thread.sleep(100); // the trickle itself: one header line every 100 ms
      }
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertTrue(closed || slow.closedByPeer(), "slow connection still open after " + ms + " ms");
      assertTrue(ms < 3_500, "closed after " + ms + " ms");
    }
    assertTrue(app.seen().stream().noneMatch(s -> s.uri().equals("/")), "the trickled request never reached the app");
  }
}
