package dev.vigil.demo;

import dev.vigil.Sidecar;
import dev.vigil.config.VigilConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code java -jar vigil.jar demo}: a small leaky app on a free loopback port with Vigil in front
 * of it, so a newcomer sees every feature in a minute. The app serves a page, a JSON API, a
 * chunked stream, Server-Sent Events and a memory endpoint whose RSS climbs with a sawtooth.
 */
public final class DemoApp {

  /** Simulated leak: the floor rises 120 MiB/h, so a warning appears within minutes of start. */
  static final double LEAK_MIB_PER_HOUR = 120;
  static final double LIMIT_MIB = 512;

  private final Vertx vertx;
  private final long started = System.nanoTime();
  private volatile double freedMiB;

  private DemoApp(Vertx vertx) {
    this.vertx = vertx;
  }

  /** Settings the demo needs, unless the user set them: the app's port, faster polling, a token. */
  public static void prepare(Map<String, String> overrides) {
    int port = freePort();
    overrides.putIfAbsent("upstream.url", "http://127.0.0.1:" + port);
    overrides.putIfAbsent("memory.poll.interval", "2s");
    overrides.putIfAbsent("memory.trend.window", "10m");
    overrides.putIfAbsent("memory.cleanup.url", "http://127.0.0.1:" + port + "/api/cleanup");
    overrides.putIfAbsent("memory.cleanup.cooldown", "1m");
    overrides.putIfAbsent("keepalive.windows", "");
    overrides.putIfAbsent("keepalive.defaultInterval", "30s");
    overrides.putIfAbsent("upstream.health.interval", "2s");
    overrides.putIfAbsent("admin.token", "demo-token-" + Long.toHexString(ThreadLocalRandom.current().nextLong()));
  }

  /** Starts the demo app, then the sidecar, and prints where to look. */
  public static Future<Void> start(Vertx vertx, VigilConfig config, Sidecar sidecar, PrintStream out) {
    DemoApp app = new DemoApp(vertx);
    int appPort = config.upstream().port();
    return vertx.createHttpServer()
        .requestHandler(app::handle)
        .listen(appPort, "127.0.0.1")
        .compose(server -> sidecar.start(vertx).map(v -> server))
        .map(server -> {
          app.printUrls(out, config, sidecar.proxyPort(), server);
          return null;
        });
  }

  /**
   * Sends a round of requests through the proxy (app paths, a stream, the admin paths) so that a
   * class-data-sharing archive recorded at exit holds every class a real start-up touches.
   */
  public static Future<Integer> exercise(Vertx vertx, int proxyPort, String prefix) {
    var client = vertx.createHttpClient();
    String[] paths = {"/", "/api/items", "/api/items/7", "/api/flaky", "/nope",
        prefix + "health", prefix + "health/ready", prefix + "metrics", prefix + "memory", prefix + "requests"};
    Future<Integer> chain = Future.succeededFuture(0);
    for (int round = 0; round < 5; round++) {
      for (String path : round == 0 ? new String[] {"/api/stream"} : paths) {
        chain = chain.compose(n -> client.request(io.vertx.core.http.HttpMethod.GET, proxyPort, "127.0.0.1", path)
            .compose(req -> req.send().compose(resp -> resp.body()))
            .map(b -> n + 1)
            .otherwise(n));
      }
    }
    return chain.eventually(client::close);
  }

  private void printUrls(PrintStream out, VigilConfig config, int proxyPort, HttpServer app) {
    String base = "http://127.0.0.1:" + proxyPort;
    String prefix = config.admin().prefix();
    out.println();
    out.println("Vigil demo is running.");
    out.println("  App through Vigil:  " + base + "/");
    out.println("  Dashboard:          " + base + prefix);
    out.println("  Health:             " + base + prefix + "health");
    out.println("  Memory:             " + base + prefix + "memory");
    out.println("  Recent requests:    " + base + prefix + "requests?limit=20");
    out.println("  Prometheus:         " + base + prefix + "metrics");
    out.println("  Demo app directly:  http://127.0.0.1:" + app.actualPort() + "/");
    out.println();
    out.println("Try:");
    out.println("  curl -N " + base + "/api/stream          # chunked, arrives piece by piece");
    out.println("  curl -N " + base + "/api/events          # Server-Sent Events");
    out.println("  curl -X POST -H 'Authorization: Bearer " + config.admin().token() + "' " + base + prefix
        + "memory/cleanup");
    out.println("Stop with Ctrl+C.");
    out.flush();
  }

  private void handle(HttpServerRequest req) {
    String path = req.path();
    switch (path) {
      case "/" -> req.response().putHeader("content-type", "text/html; charset=utf-8").end(PAGE);
      case "/api/health" -> json(req, 200, new JsonObject().put("status", "ok"));
      case "/api/items" -> json(req, 200, new JsonObject().put("items", items()));
      case "/api/memory-status" -> json(req, 200, memory());
      case "/api/cleanup" -> {
        if (!"POST".equals(req.method().name())) {
          json(req, 405, new JsonObject().put("error", "use POST"));
          return;
        }
        freedMiB += 30;
        json(req, 200, new JsonObject().put("freed_mb", 30));
      }
      case "/api/stream" -> stream(req, false);
      case "/api/events" -> stream(req, true);
      case "/api/slow" -> vertx
          .setTimer(Math.min(10_000, parseOr(req.getParam("ms"), 500)), id -> json(req, 200, new JsonObject().put("slow", true)));
      case "/api/flaky" -> {
        boolean fail = ThreadLocalRandom.current().nextInt(10) == 0;
        json(req, fail ? 500 : 200, new JsonObject().put("ok", !fail));
      }
      default -> {
        if (path.startsWith("/api/items/")) {
          json(req, 200, new JsonObject().put("id", path.substring("/api/items/".length())).put("name", "item"));
        } else {
          json(req, 404, new JsonObject().put("error", "not found"));
        }
      }
    }
  }

  /** Memory as psutil-based apps report it: RSS with a GC sawtooth on a slowly rising floor. */
  private JsonObject memory() {
    double minutes = (System.nanoTime() - started) / 60e9;
    double floor = 180 + LEAK_MIB_PER_HOUR * minutes / 60 - freedMiB;
    double sawtooth = 12 * ((minutes * 3) % 1.0); // garbage builds up and is collected every ~20 s
    double noise = ThreadLocalRandom.current().nextDouble(-0.5, 0.5);
    double rss = Math.max(50, floor + sawtooth + noise);
    return new JsonObject()
        .put("process", new JsonObject().put("rss_mb", Math.round(rss * 10) / 10.0))
        .put("system", new JsonObject().put("total_mb", LIMIT_MIB));
  }

  private static JsonArray items() {
    JsonArray items = new JsonArray();
    for (int i = 1; i <= 5; i++) {
      items.add(new JsonObject().put("id", i).put("name", "item " + i));
    }
    return items;
  }

  private void stream(HttpServerRequest req, boolean sse) {
    var response = req.response().setChunked(true)
        .putHeader("content-type", sse ? "text/event-stream" : "text/plain; charset=utf-8")
        .putHeader("cache-control", "no-cache");
    int[] n = {0};
    vertx.setPeriodic(300, id -> {
      n[0]++;
      if (response.closed()) {
        vertx.cancelTimer(id);
        return;
      }
      response.write(sse ? "data: {\"tick\": " + n[0] + "}\n\n" : "chunk " + n[0] + "\n");
      if (n[0] == 10) {
        vertx.cancelTimer(id);
        response.end();
      }
    });
  }

  private static void json(HttpServerRequest req, int status, JsonObject body) {
    req.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }

  private static int parseOr(String s, int fallback) {
    try {
      return s == null ? fallback : Integer.parseInt(s);
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new IllegalStateException("no free loopback port for the demo app", e);
    }
  }

  private static final String PAGE = """
      <!doctype html>
      <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
      <title>Vigil demo app</title>
      <style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}
      code{background:#8882;padding:0 .3em;border-radius:3px}</style></head>
      <body><h1>Demo app</h1>
      <p>This small app leaks memory on purpose. Every request you make reaches it through Vigil.</p>
      <ul>
      <li><a href="/api/items">/api/items</a> JSON API</li>
      <li><a href="/api/stream">/api/stream</a> chunked stream</li>
      <li><a href="/api/events">/api/events</a> Server-Sent Events</li>
      <li><a href="/api/memory-status">/api/memory-status</a> the app's memory endpoint</li>
      <li><a href="/sidecar/">/sidecar/</a> Vigil's dashboard</li>
      </ul></body></html>
      """;
}
