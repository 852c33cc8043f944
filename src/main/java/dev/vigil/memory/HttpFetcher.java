package dev.vigil.memory;

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
import java.net.URI;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Small HTTP client for the memory and cleanup endpoints: one connection at a time, every call
 * bounded by a deadline, answers read up to {@link #MAX_BODY} bytes.
 */
final class HttpFetcher {

  /** A memory answer is tiny; even a full Prometheus exposition of a busy app stays well below this. */
  static final int MAX_BODY = 1 << 20;

  /** A finished exchange. */
  record Answer(int status, String contentType, String body) {
  }

  /** Failed because the deadline passed; the message says how long was waited. */
  static final class DeadlineException extends TimeoutException {
    DeadlineException(String message) {
      super(message);
    }
  }

  /** The answer exceeded {@link #MAX_BODY}; the exchange was reset. */
  static final class BodyTooLargeException extends RuntimeException {
    BodyTooLargeException() {
      super("answer larger than " + MAX_BODY + " bytes", null, false, false);
    }
  }

  private final HttpClientAgent client;

  HttpFetcher(Vertx vertx) {
    // Two connections: a poll and a cleanup may overlap, nothing else does.
    this.client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(2).setMaxWaitQueueSize(4));
  }

  Future<Answer> send(HttpMethod method, URI url, long timeoutMs) {
    RequestOptions ro = new RequestOptions().setMethod(method).setAbsoluteURI(url.toString()).setTimeout(timeoutMs)
        .putHeader(HttpHeaders.ACCEPT, "application/json, text/plain;q=0.9, */*;q=0.1");
    HttpClientRequest[] sent = new HttpClientRequest[1];
    Future<Answer> exchange = client.request(ro)
        .compose(req -> {
          sent[0] = req;
          return method == HttpMethod.POST ? req.send(Buffer.buffer()) : req.send();
        })
        .compose(this::readBounded);
    // The request's own timeouts cover connect and idle; this deadline also bounds a slow trickle.
    return exchange.timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .recover(err -> {
          if (err instanceof TimeoutException) {
            if (sent[0] != null) {
              sent[0].reset();
            }
            return Future.failedFuture(new DeadlineException("no answer within " + timeoutMs + " ms"));
          }
          return Future.failedFuture(err);
        });
  }

  private Future<Answer> readBounded(HttpClientResponse resp) {
    Promise<Answer> done = Promise.promise();
    Buffer acc = Buffer.buffer();
    resp.exceptionHandler(done::tryFail);
    resp.handler(chunk -> {
      if (acc.length() + chunk.length() > MAX_BODY) {
        done.tryFail(new BodyTooLargeException()); // first: reset() reports its own failure
        resp.request().reset();
      } else {
        acc.appendBuffer(chunk);
      }
    });
    resp.endHandler(v -> done.tryComplete(new Answer(resp.statusCode(),
        resp.getHeader(HttpHeaders.CONTENT_TYPE), acc.toString())));
    return done.future();
  }

  Future<Void> close() {
    return client.close();
  }
}
