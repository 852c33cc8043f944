package dev.vigil.memory;

import dev.vigil.net.TransportErrors;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.TimeoutException;

/**
 * One app's memory endpoint read over HTTP with the watch's own parser (every format of the
 * contract) and fetcher (bounded body, deadline). A failed read fails with a
 * {@link MemorySourceException} whose message is one plain sentence naming the URL.
 */
public final class MemoryEndpoint {

  private final URI url;
  private final HttpFetcher fetcher;
  private final MemoryParser parser;
  private final Context context;

  public MemoryEndpoint(Vertx vertx, URI url) {
    this.url = url;
    this.context = vertx.getOrCreateContext();
    this.fetcher = new HttpFetcher(vertx);
    this.parser = new MemoryParser(url.toString(), null, null);
  }

  public URI url() {
    return url;
  }

  /** Reads the endpoint once, giving up after {@code timeout}; may be called from any thread. */
  public Future<MemoryReading> read(Duration timeout) {
    // The fetcher sets its body handlers in a callback: off a Vert.x thread that callback runs
    // later, when a small answer may have ended already. On the context it runs in time.
    Promise<MemoryReading> done = Promise.promise();
    context.runOnContext(v -> readOnContext(timeout).onComplete(done));
    return done.future();
  }

  private Future<MemoryReading> readOnContext(Duration timeout) {
    return fetcher.send(HttpMethod.GET, url, timeout.toMillis())
        .map(answer -> {
          if (answer.status() < 200 || answer.status() > 299) {
            throw new MemorySourceException("memory endpoint " + url + " answered HTTP " + answer.status()
                + "; " + MemoryParser.EXPECTED + " with status 200");
          }
          return parser.parse(answer.contentType(), answer.body());
        })
        .recover(err -> Future.failedFuture(err instanceof MemorySourceException ? err
            : new MemorySourceException(describe(err, timeout))));
  }

  private String describe(Throwable err, Duration timeout) {
    if (err instanceof TimeoutException) {
      return "memory endpoint " + url + " did not answer within " + MemoryJson.configDuration(timeout);
    }
    if (err instanceof HttpFetcher.BodyTooLargeException) {
      return "memory endpoint " + url + " answered more than " + HttpFetcher.MAX_BODY + " bytes; "
          + MemoryParser.EXPECTED;
    }
    return "memory endpoint " + url + " is unreachable (" + TransportErrors.plain(err, timeout) + ")";
  }

  public Future<Void> close() {
    return fetcher.close();
  }
}
