package dev.vigil.keepalive;

import dev.vigil.net.TransportErrors;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Sends one GET to the keep-alive target, bounded by the timeout; never fails its future. */
final class Pinger {
  /** The outcome of one ping; {@code error} is null when {@code ok}. */
  record Outcome(boolean ok, String error, long latencyNanos) {
  }

  private final HttpClient client;
  private final URI target;
  private final long timeoutMs;

  Pinger(Vertx vertx, URI target, Duration timeout) {
    this.target = target;
    this.timeoutMs = Math.max(1, timeout.toMillis());
    int connectTimeout = (int) Math.min(Integer.MAX_VALUE, timeoutMs);
    // No connection reuse: pings are minutes apart, so a pooled connection would usually have
    // been closed by the server (or an idle-timeout proxy) and the ping would fail spuriously.
    this.client = vertx.createHttpClient(
        new HttpClientOptions().setKeepAlive(false).setConnectTimeout(connectTimeout),
        new PoolOptions().setHttp1MaxSize(1).setMaxWaitQueueSize(1));
  }

  /** Must be called on the owner's context; completes there with the outcome. */
  Future<Outcome> ping() {
    long start = System.nanoTime();
    HttpClientRequest[] sent = new HttpClientRequest[1];
    RequestOptions request = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setAbsoluteURI(target.toString())
        .setIdleTimeout(timeoutMs)
        .putHeader("User-Agent", "vigil-keepalive");
    return client.request(request)
        .compose(req -> {
          sent[0] = req;
          return req.send();
        })
        .compose(resp -> {
          resp.handler(ignored -> { });
          return resp.end().map(v -> resp.statusCode());
        })
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .map(status -> status >= 500
            ? new Outcome(false, "HTTP " + status, System.nanoTime() - start)
            : new Outcome(true, null, System.nanoTime() - start))
        .otherwise(err -> {
          if (sent[0] != null) {
            sent[0].reset();
          }
          return new Outcome(false, describe(err), System.nanoTime() - start);
        });
  }

  Future<Void> close() {
    return client.close();
  }

  /** A short lower-case reason for the issue sentence; the raw error goes to the log. */
  private String describe(Throwable err) {
    return TransportErrors.plainAndLog("keep-alive ping", err, Duration.ofMillis(timeoutMs));
  }
}
