package dev.vigil.memory.diagnostics;

import dev.vigil.net.TransportErrors;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The diagnostics hook ({@code memory.diagnostics.url}): POSTs to the app when memory enters
 * {@code critical} and before a recycle, so the app can write a heap snapshot while the leak is
 * still in memory, and keeps the last {@value DiagnosticsStore#CAPACITY} answers (each cut at
 * {@link #MAX_BODY} bytes) for {@code GET /sidecar/memory/diagnostics}.
 *
 * <p>{@link #capture} never fails and always completes within the timeout (plus a scheduling
 * moment): a slow or broken endpoint cannot hold a recycle back. One call at a time; a capture
 * asked for while one runs gets that one's answer.
 */
public final class Diagnostics {

  /** Bytes of one answer kept at most. */
  public static final int MAX_BODY = 1 << 20;
  public static final String CRITICAL = "critical";
  public static final String RECYCLE = "recycle";
  public static final String MANUAL = "manual";

  private final URI url;
  private final Duration timeout;
  private final Clock clock;
  private final Context context;
  private final HttpClientAgent client;
  private final DiagnosticsStore store = new DiagnosticsStore();
  private final AtomicBoolean busy = new AtomicBoolean();
  private volatile Future<DiagnosticsAnswer> running;

  public Diagnostics(Vertx vertx, URI url, Duration timeout, Clock clock) {
    this.url = url;
    this.timeout = timeout;
    this.clock = clock;
    this.context = vertx.getOrCreateContext();
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false),
        new PoolOptions().setHttp1MaxSize(1).setMaxWaitQueueSize(1));
  }

  /**
   * Calls the endpoint with a small JSON body ({@code trigger}, {@code t} and the figures given) and
   * stores the answer. Completes with the stored answer, never fails.
   *
   * @param facts what Vigil knows at this moment (e.g. rss_mib, limit_mib), or null
   */
  public Future<DiagnosticsAnswer> capture(String trigger, JsonObject facts) {
    if (!busy.compareAndSet(false, true)) {
      Future<DiagnosticsAnswer> current = running;
      if (current != null) {
        return current;
      }
    }
    Promise<DiagnosticsAnswer> done = Promise.promise();
    running = done.future();
    context.runOnContext(v -> call(trigger, facts).onComplete(ar -> {
      DiagnosticsAnswer a = ar.result();
      store.add(a);
      busy.set(false);
      done.complete(a);
    }));
    return done.future();
  }

  /** The stored answers and the settings, for {@code GET /sidecar/memory/diagnostics}. */
  public JsonObject toJson() {
    return new JsonObject().put("url", url.toString()).put("timeout_s", timeout.toMillis() / 1000.0)
        .put("capacity", DiagnosticsStore.CAPACITY).put("max_bytes", MAX_BODY).put("answers", store.toJson());
  }

  public DiagnosticsStore store() {
    return store;
  }

  public Future<Void> close() {
    return client.close();
  }

  /** Sits on the context; completes with an answer by the deadline, whatever the endpoint does. */
  private Future<DiagnosticsAnswer> call(String trigger, JsonObject facts) {
    Instant at = clock.instant();
    long start = System.nanoTime();
    Promise<DiagnosticsAnswer> done = Promise.promise();
    HttpClientRequest[] sent = new HttpClientRequest[1];
    long timer = context.owner().setTimer(Math.max(1, timeout.toMillis()), id -> {
      if (done.tryComplete(failed(at, trigger, start, "diagnostics endpoint " + url + " did not answer within "
          + TransportErrors.humanize(timeout)))) {
        if (sent[0] != null) {
          sent[0].reset();
        }
      }
    });
    JsonObject body = new JsonObject().put("trigger", trigger).put("t", at.toString());
    if (facts != null) {
      body.mergeIn(facts);
    }
    RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url.toString())
        .setTimeout(timeout.toMillis()).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
        .putHeader(HttpHeaders.ACCEPT, "application/json, text/plain;q=0.9, */*;q=0.5");
    client.request(ro)
        .compose(req -> {
          sent[0] = req;
          return req.send(body.toBuffer());
        })
        .onSuccess(resp -> read(resp, at, trigger, start, done))
        .onFailure(err -> done.tryComplete(failed(at, trigger, start, "diagnostics endpoint " + url + " failed: "
            + TransportErrors.plain(err, timeout))));
    return done.future().andThen(ar -> context.owner().cancelTimer(timer));
  }

  private void read(HttpClientResponse resp, Instant at, String trigger, long start, Promise<DiagnosticsAnswer> done) {
    Buffer acc = Buffer.buffer();
    long[] received = new long[1];
    boolean ok = resp.statusCode() >= 200 && resp.statusCode() <= 299;
    String error = ok ? null : "diagnostics endpoint " + url + " " + TransportErrors.answered(resp.statusCode());
    resp.exceptionHandler(err -> done.tryComplete(answer(at, trigger, resp, start, acc, received[0], false,
        "diagnostics endpoint " + url + " failed while answering: " + TransportErrors.plain(err, timeout))));
    resp.handler(chunk -> {
      received[0] += chunk.length();
      int room = MAX_BODY - acc.length();
      if (chunk.length() > room) {
        acc.appendBuffer(chunk, 0, room);
        // Enough kept: stop reading so a huge answer costs neither memory nor time.
        done.tryComplete(answer(at, trigger, resp, start, acc, received[0], true, error));
        resp.request().reset();
      } else {
        acc.appendBuffer(chunk);
      }
    });
    resp.endHandler(v -> done.tryComplete(answer(at, trigger, resp, start, acc, received[0], false, error)));
  }

  private DiagnosticsAnswer answer(Instant at, String trigger, HttpClientResponse resp, long start, Buffer acc,
                                   long bytes, boolean truncated, String error) {
    String text = new String(acc.getBytes(), StandardCharsets.UTF_8);
    return new DiagnosticsAnswer(at, trigger, resp.statusCode(), error, elapsedMs(start),
        resp.getHeader(HttpHeaders.CONTENT_TYPE), text, bytes, truncated);
  }

  private DiagnosticsAnswer failed(Instant at, String trigger, long start, String error) {
    return new DiagnosticsAnswer(at, trigger, null, error, elapsedMs(start), null, null, 0, false);
  }

  private static long elapsedMs(long start) {
    return (System.nanoTime() - start) / 1_000_000;
  }
}
