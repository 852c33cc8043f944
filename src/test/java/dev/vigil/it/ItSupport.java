package dev.vigil.it;

import dev.vigil.Sidecar;
import dev.vigil.config.ConfigLoader;
import dev.vigil.config.VigilConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Shared pieces of the end-to-end tests: a tiny upstream that answers 200 everywhere, a sidecar
 * built from dotted config keys, and an HTTP client whose calls are awaited from the test thread
 * (never an event loop) with a bound.
 */
final class ItSupport {
  /** Bound on any single awaited step. */
  static final Duration STEP = Duration.ofSeconds(10);

  private ItSupport() {
  }

  /** A reply as the client saw it. */
  record Reply(int status, String retryAfter, String body) {
    JsonObject json() {
      return new JsonObject(body);
    }
  }

  static <T> T await(Future<T> future) {
    return future.timeout(STEP.toMillis(), TimeUnit.MILLISECONDS).await();
  }

  /** An upstream that answers 200 {@code ok} on every path, /api/health included. */
  static HttpServer upstream(Vertx vertx) {
    return await(vertx.createHttpServer()
        .requestHandler(req -> req.response().putHeader("content-type", "text/plain").end("ok"))
        .listen(0, "127.0.0.1"));
  }

  /** The settings every test shares: loopback, port 0, upstream, no memory polling, no keep-alive. */
  static Map<String, String> baseSettings(int upstreamPort) {
    Map<String, String> s = new HashMap<>();
    s.put("listen.host", "127.0.0.1");
    s.put("listen.port", "0");
    s.put("upstream.url", "http://127.0.0.1:" + upstreamPort);
    s.put("memory.enabled", "false");
    s.put("keepalive.enabled", "false");
    s.put("app.name", "it-app");
    s.put("app.instance", "it-1");
    return s;
  }

  static VigilConfig config(Map<String, String> overrides) {
    return ConfigLoader.load(null, Map.of(), overrides, w -> { });
  }

  /** Builds and starts a sidecar with its own Prometheus registry. */
  static Sidecar startSidecar(Vertx vertx, Map<String, String> overrides) {
    Sidecar sidecar = new Sidecar(config(overrides), Clock.systemUTC(),
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    await(sidecar.start(vertx));
    return sidecar;
  }

  static void stopQuietly(Sidecar sidecar) {
    if (sidecar == null) {
      return;
    }
    try {
      await(sidecar.stop());
    } catch (RuntimeException e) {
      // best effort in @AfterEach
    }
  }

  static HttpClient client(Vertx vertx) {
    return vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(32));
  }

  /** One GET, body read in full; does not block. */
  static Future<Reply> get(HttpClient client, int port, String path) {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
        .setURI(path).setTimeout(STEP.toMillis());
    return client.request(options)
        .compose(req -> req.send())
        .compose(resp -> resp.body().map(body -> reply(resp, body)));
  }

  private static Reply reply(HttpClientResponse resp, Buffer body) {
    return new Reply(resp.statusCode(), resp.getHeader("Retry-After"), body.toString());
  }

  static Reply getAwait(HttpClient client, int port, String path) {
    return await(get(client, port, path));
  }

  static JsonObject redisBlock(Sidecar sidecar) {
    return sidecar.health().report().getJsonObject("redis");
  }

  static JsonObject keepaliveBlock(Sidecar sidecar) {
    return sidecar.health().report().getJsonObject("keepalive");
  }
}
