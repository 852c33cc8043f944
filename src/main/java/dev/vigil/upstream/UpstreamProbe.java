package dev.vigil.upstream;

import dev.vigil.health.Finding;
import dev.vigil.net.TransportErrors;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Actively checks the app: GET on its health path every interval. The app counts as reachable
 * after one good answer and as unreachable after {@code unhealthyAfter} failures in a row (a
 * transport error, a timeout or a 5xx), so one slow answer does not flip readiness.
 *
 * <p>It owns its health rules: {@link #findings()} says degraded while failures accumulate and
 * unhealthy from {@code unhealthyAfter} failures in a row.
 */
public final class UpstreamProbe {

  private final Vertx vertx;
  private final URI appUrl;
  private final URI url;
  private final Duration interval;
  private final Duration timeout;
  private final int unhealthyAfter;
  private final Clock clock;
  private final HttpClient client;

  private volatile boolean reachable;
  private volatile boolean checked;
  private volatile int consecutiveFailures;
  private volatile Instant lastCheck;
  private volatile double lastLatencyMs = Double.NaN;
  private volatile String lastError;
  private long timer = -1;
  private boolean stopped;

  /**
   * @param appUrl {@code upstream.url}, shown in the health block
   * @param url the URL checked ({@code upstream.url} + {@code upstream.health.path})
   */
  public UpstreamProbe(Vertx vertx, URI appUrl, URI url, Duration interval, Duration timeout, int unhealthyAfter,
                       Clock clock) {
    this.vertx = vertx;
    this.appUrl = appUrl;
    this.url = url;
    this.interval = interval;
    this.timeout = timeout;
    this.unhealthyAfter = unhealthyAfter;
    this.clock = clock;
    // Its own small pool: probes must not queue behind proxied traffic in a full pool.
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setName("vigil-probe"),
        new PoolOptions().setHttp1MaxSize(1).setMaxWaitQueueSize(1));
  }

  /** Runs the first check at once; later checks follow each completed one by the interval. */
  public Future<Void> start() {
    check();
    return Future.succeededFuture();
  }

  public Future<Void> stop() {
    stopped = true;
    if (timer != -1) {
      vertx.cancelTimer(timer);
    }
    return client.close();
  }

  private void check() {
    if (stopped) {
      return;
    }
    long begin = System.nanoTime();
    RequestOptions options = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setAbsoluteURI(url.toString())
        .setConnectTimeout(timeout.toMillis())
        .setIdleTimeout(timeout.toMillis())
        .putHeader("user-agent", "vigil-probe");
    client.request(options)
        .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode())))
        .timeout(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .onComplete(ar -> {
          lastCheck = clock.instant();
          lastLatencyMs = (System.nanoTime() - begin) / 1e6;
          checked = true;
          if (ar.succeeded() && ar.result() < 500) {
            consecutiveFailures = 0;
            lastError = null;
            reachable = true;
          } else {
            consecutiveFailures++;
            lastError = ar.succeeded()
                ? TransportErrors.answered(ar.result())
                : TransportErrors.plainAndLog("upstream probe", ar.cause(), timeout);
            if (consecutiveFailures >= unhealthyAfter || !everReachable()) {
              reachable = false;
            }
          }
          if (!stopped) {
            timer = vertx.setTimer(interval.toMillis(), id -> check());
          }
        });
  }

  private boolean everReachable() {
    return reachable;
  }

  /** True once the app answered, until it fails {@code unhealthyAfter} checks in a row. */
  public boolean reachable() {
    return reachable;
  }

  public boolean checked() {
    return checked;
  }

  public int consecutiveFailures() {
    return consecutiveFailures;
  }

  public String lastError() {
    return lastError;
  }

  public URI url() {
    return url;
  }

  /** The health document's {@code upstream} block. */
  public JsonObject healthJson() {
    return toJson().put("url", appUrl.toString());
  }

  /** Nothing until the first check; degraded while failing, unhealthy from {@code unhealthyAfter} failures in a row. */
  public List<Finding> findings() {
    if (!checked || consecutiveFailures == 0) {
      return List.of(); // as documented: degraded from the first failure, not only once unreachable
    }
    int failures = consecutiveFailures;
    String sentence = "the app does not answer its health check at " + url + " ("
        + failures + " failures in a row; last: " + lastError + ")";
    return List.of(failures >= unhealthyAfter ? Finding.unhealthy(sentence) : Finding.degraded(sentence));
  }

  private JsonObject toJson() {
    Instant last = lastCheck;
    double latency = lastLatencyMs;
    return new JsonObject()
        .put("reachable", reachable)
        .put("last_check", last == null ? null : last.toString())
        .put("consecutive_failures", consecutiveFailures)
        .put("last_latency_ms", Double.isNaN(latency) ? null : Math.round(latency * 100) / 100.0)
        .put("last_error", lastError)
        .put("check_url", url.toString());
  }

}
