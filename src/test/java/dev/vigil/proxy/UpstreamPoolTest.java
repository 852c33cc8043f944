package dev.vigil.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.testing.RawHttp;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The upstream pool as the app sees it: connections are reused, never more than
 * {@code upstream.pool.maxSize} are open, the wait queue is bounded, idle connections close and
 * old ones are retired.
 */
class UpstreamPoolTest extends ProxyTestBase {

  /** Vigil runs one event loop per core and splits the pool evenly among them. */
  private static final int LOOPS = Math.max(1, Runtime.getRuntime().availableProcessors());

  private final Set<HttpConnection> appConnections = ConcurrentHashMap.newKeySet();

  private void countConnections() {
    app.answer(req -> {
      appConnections.add(req.connection());
      req.response().end("ok");
    });
  }

  @Test
  void sequentialRequestsShareOneConnection() throws Exception {
    startVigil(Map.of());
    countConnections();
    try (RawHttp c = raw()) {
      for (int i = 0; i < 20; i++) {
        assertEquals(200, c.send("GET /seq/" + i + " HTTP/1.1\r\nHost: a\r\n\r\n").read().status());
      }
    }
    assertEquals(1, appConnections.size(), "keep-alive: one upstream connection for 20 sequential requests");
    // The pool's gauges catch up within a tick (one second).
    String idle = "vigil_upstream_connections{state=\"idle\"} 1.0";
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    String metrics = "";
    while (!metrics.contains(idle) && System.nanoTime() < deadline) {
      try (RawHttp c = raw()) {
        metrics = c.send("GET /sidecar/metrics HTTP/1.1\r\nHost: a\r\n\r\n").read().body();
      }
      Thread.sleep(50); // test thread, bounded
    }
    assertTrue(metrics.contains(idle), "idle gauge in:\n" + metrics.lines()
        .filter(l -> l.startsWith("vigil_upstream")).toList());
    assertTrue(metrics.contains("vigil_upstream_connections{state=\"active\"} 0.0"), "no active connection");
    assertTrue(metrics.contains("vigil_upstream_pending 0.0"), "nobody waiting");
  }

  @Test
  void neverMoreThanMaxSizeConnectionsAndTheRestWaitTheirTurn() throws Exception {
    startVigil(Map.of("upstream.pool.maxSize", String.valueOf(LOOPS))); // one connection per loop
    AtomicInteger active = new AtomicInteger();
    AtomicInteger maxActive = new AtomicInteger();
    app.answer(req -> {
      appConnections.add(req.connection());
      maxActive.accumulateAndGet(active.incrementAndGet(), Math::max);
      vertx.setTimer(100, id -> {
        active.decrementAndGet();
        req.response().end("ok");
      });
    });
    List<Future<Integer>> answers = concurrentGets(4 * LOOPS);
    for (Future<Integer> f : answers) {
      assertEquals(200, f.await(20, TimeUnit.SECONDS));
    }
    assertTrue(maxActive.get() <= LOOPS, "at most " + LOOPS + " requests at the app at once, saw " + maxActive.get());
    assertTrue(appConnections.size() <= LOOPS, "at most " + LOOPS + " upstream connections, saw " + appConnections.size());
  }

  @Test
  void aFullWaitQueueIs503AndTheRefusedRequestNeverReachesTheApp() throws Exception {
    startVigil(Map.of("upstream.pool.maxSize", String.valueOf(LOOPS), "upstream.pool.waitQueue", "0"));
    app.answer(req -> vertx.setTimer(500, id -> req.response().end("slow")));
    List<Future<Integer>> answers = concurrentGets(3 * LOOPS);
    int ok = 0;
    int refused = 0;
    for (Future<Integer> f : answers) {
      int status = f.await(20, TimeUnit.SECONDS);
      if (status == 200) {
        ok++;
      } else {
        assertEquals(503, status);
        refused++;
      }
    }
    assertTrue(refused > 0, "with one connection per loop and no wait queue some requests are refused");
    assertEquals(ok, app.seen().size(), "only the requests that got a connection reached the app");
    JsonObject rejected = sidecar.health().report().getJsonObject("proxy").getJsonObject("rejected");
    assertEquals(refused, rejected.getInteger("overloaded"));
    try (RawHttp c = raw()) { // and the pool still works afterwards
      assertEquals(200, c.send("GET /after HTTP/1.1\r\nHost: a\r\n\r\n").read().status());
    }
  }

  @Test
  void idleConnectionsAreClosedAfterTheIdleTimeout() throws Exception {
    startVigil(Map.of("upstream.pool.idleTimeout", "1s"));
    AtomicInteger closed = new AtomicInteger();
    app.answer(req -> {
      req.connection().closeHandler(v -> closed.incrementAndGet());
      req.response().end("ok");
    });
    long start = System.nanoTime();
    try (RawHttp c = raw()) {
      assertEquals(200, c.send("GET /once HTTP/1.1\r\nHost: a\r\n\r\n").read().status());
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (closed.get() == 0 && System.nanoTime() < deadline) {
        Thread.sleep(20); // test thread, bounded wait for the close
      }
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
      assertEquals(1, closed.get(), "the idle upstream connection was closed");
      assertTrue(ms >= 900, "closed after " + ms + " ms, before the idle timeout");
      // The client's own connection is untouched, and a new upstream connection serves it.
      assertEquals(200, c.send("GET /again HTTP/1.1\r\nHost: a\r\n\r\n").read().status());
    }
  }

  @Test
  void connectionsAreRetiredAfterTheirMaxLifetime() throws Exception {
    startVigil(Map.of("upstream.pool.maxLifetime", "1s", "upstream.pool.idleTimeout", "1h"));
    countConnections();
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2_500);
    try (RawHttp c = raw()) {
      while (System.nanoTime() < end) {
        assertEquals(200, c.send("GET /life HTTP/1.1\r\nHost: a\r\n\r\n").read().status());
        Thread.sleep(50); // steady traffic: the connection is never idle long
      }
    }
    assertTrue(appConnections.size() >= 2, "a busy connection is still replaced after maxLifetime, saw "
        + appConnections.size());
  }

  @Test
  void anAppThatClosesAfterAnswerGetsAFreshConnectionNext() throws Exception {
    startVigil(Map.of());
    app.answer(req -> {
      appConnections.add(req.connection());
      req.response().putHeader("Connection", "close").end("bye");
    });
    try (RawHttp c = raw()) {
      for (int i = 0; i < 5; i++) {
        RawHttp.Response r = c.send("GET /close/" + i + " HTTP/1.1\r\nHost: a\r\n\r\n").read();
        assertEquals(200, r.status(), r.toString());
        assertEquals("bye", r.body());
      }
    }
    assertEquals(5, appConnections.size(), "a connection the app closed is never reused");
  }

  @Test
  void aReusedConnectionTheAppDropsIsRetriedOnceForABodilessIdempotentRequest() throws Exception {
    // An app that serves the first request on each connection and drops the connection on the
    // second one, unanswered: the shape of an app that restarted behind a kept-alive connection.
    try (DroppingApp dropping = new DroppingApp()) {
      sidecar = dev.vigil.testing.Vigils.start(vertx, "http://127.0.0.1:" + dropping.port(), Map.of());
      port = sidecar.proxyPort();
      try (RawHttp c = raw()) {
        assertEquals(200, c.send("GET /one HTTP/1.1\r\nHost: a\r\n\r\n").read().status());
        RawHttp.Response second = c.send("GET /two HTTP/1.1\r\nHost: a\r\n\r\n").read();
        assertEquals(200, second.status(), "retried on a fresh connection: " + second);
        assertEquals("served /two", second.body());
      }
      assertEquals(List.of("/one", "/two", "/two"), dropping.requests(), "the GET reached the app twice");
      try (RawHttp c = raw()) { // a body is never sent twice: 502
        assertEquals(200, c.send("GET /three HTTP/1.1\r\nHost: a\r\n\r\n").read().status());
        RawHttp.Response post = c.send("POST /pay HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhi").read();
        assertJsonError(post, 502);
      }
      assertEquals(1, dropping.requests().stream().filter("/pay"::equals).count(), "the POST reached the app once");
    }
  }

  /** A raw HTTP/1.1 app: answers the first request of each connection, drops the connection on the next. */
  private static final class DroppingApp implements AutoCloseable {
    private final java.net.ServerSocket server = new java.net.ServerSocket(0, 50,
        java.net.InetAddress.getLoopbackAddress());
    private final List<String> requests = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Thread acceptor;

    DroppingApp() throws java.io.IOException {
      acceptor = new Thread(() -> {
        while (!server.isClosed()) {
          try {
            java.net.Socket socket = server.accept();
            Thread t = new Thread(() -> serve(socket), "dropping-app-conn");
            t.setDaemon(true);
            t.start();
          } catch (java.io.IOException closed) {
            return;
          }
        }
      }, "dropping-app");
      acceptor.setDaemon(true);
      acceptor.start();
    }

    int port() {
      return server.getLocalPort();
    }

    List<String> requests() {
      return requests;
    }

    private void serve(java.net.Socket socket) {
      try (socket) {
        var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
            java.nio.charset.StandardCharsets.ISO_8859_1));
        var out = socket.getOutputStream();
        int served = 0;
        String line;
        while ((line = in.readLine()) != null) {
          String path = line.split(" ")[1];
          boolean probe = false;
          int length = 0;
          for (String h = in.readLine(); h != null && !h.isEmpty(); h = in.readLine()) {
            String lower = h.toLowerCase(java.util.Locale.ROOT);
            probe |= lower.startsWith("user-agent:") && lower.contains("vigil-probe");
            if (lower.startsWith("content-length:")) {
              length = Integer.parseInt(lower.substring(15).trim());
            }
          }
          for (int i = 0; i < length; i++) {
            in.read();
          }
          if (!probe) {
            requests.add(path);
            if (served++ > 0) {
              return; // the second request on this connection: drop it, unanswered
            }
          }
          byte[] body = ("served " + path).getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
          out.write(("HTTP/1.1 200 OK\r\nContent-Length: " + body.length + "\r\n\r\n")
              .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
          out.write(body);
          out.flush();
        }
      } catch (java.io.IOException gone) {
        // the proxy closed the connection
      }
    }

    @Override
    public void close() throws java.io.IOException {
      server.close();
    }
  }

  /** {@code n} GETs at once, each on its own client connection. */
  private List<Future<Integer>> concurrentGets(int n) {
    HttpClient client = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(n));
    List<Future<Integer>> answers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      answers.add(client.request(HttpMethod.GET, port, "127.0.0.1", "/c/" + i)
          .compose(r -> r.send().compose(resp -> resp.body().map(b -> resp.statusCode()))));
    }
    return answers;
  }
}
