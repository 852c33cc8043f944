package dev.vigil.proxy;

import dev.vigil.app.HoldGate;
import dev.vigil.metrics.Rejection;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * Entry point of every request on the proxy listener: routes the admin prefix to Vigil, refuses
 * what must never reach the app, and hands the rest to an {@link Exchange}. One instance per event
 * loop; the only state shared between loops is the in-flight counter.
 */
final class ProxyHandler implements Handler<HttpServerRequest> {

  private final Vertx vertx;
  private final UpstreamPool pool;
  private final ProxySettings settings;
  private final AtomicInteger inFlight;
  private final BooleanSupplier overloaded;
  private final Admission admission;
  private final ExchangeObserver observer;
  private final AdminEndpoint admin;
  private final HoldGate gate;
  private final Deadlines deadlines = new Deadlines();

  /** @param gate run mode's hold gate (requests wait while the app is not up), or null */
  ProxyHandler(Vertx vertx, UpstreamPool pool, ProxySettings settings, AtomicInteger inFlight,
               BooleanSupplier overloaded, Admission admission, ExchangeObserver observer, AdminEndpoint admin,
               HoldGate gate) {
    this.vertx = vertx;
    this.pool = pool;
    this.settings = settings;
    this.inFlight = inFlight;
    this.overloaded = overloaded;
    this.admission = admission;
    this.observer = observer;
    this.admin = admin;
    this.gate = gate;
  }

  /** Starts the request-timeout sweep on the calling event loop. */
  long startTimers() {
    return deadlines.start(vertx, Deadlines.tickFor(settings.requestTimeoutMs()));
  }

  @Override
  public void handle(HttpServerRequest request) {
    long start = System.nanoTime();
    String uri = request.uri();
    String rawPath;
    String query;
    boolean asterisk = uri.length() == 1 && uri.charAt(0) == '*';
    if (!uri.isEmpty() && uri.charAt(0) == '/') {
      rawPath = request.path();
      query = request.query();
    } else if (asterisk) {
      // asterisk-form (RFC 9112 3.2.4) is for a server-wide OPTIONS only; it goes to the app as is.
      if (request.method() != HttpMethod.OPTIONS) {
        refuse(request, start, 400, "request target * is only allowed with OPTIONS", Rejection.BAD_REQUEST, true, 0);
        return;
      }
      rawPath = "/";
      query = null;
    } else {
      URI target = absoluteTarget(request, uri);
      if (target == null) {
        refuse(request, start, 400, "request target must be a path on this host: Vigil is not an open proxy",
            Rejection.BAD_REQUEST, true, 0);
        return;
      }
      rawPath = target.getRawPath() == null || target.getRawPath().isEmpty() ? "/" : target.getRawPath();
      query = target.getRawQuery();
    }

    String matchPath = PathNormalizer.forMatching(rawPath);
    if (matchPath == null) {
      refuse(request, start, 400, "malformed percent-escape in request path", Rejection.BAD_REQUEST, true, 0);
      return;
    }
    if (PathNormalizer.isUnder(matchPath, settings.adminPrefix())) {
      admin.handle(request, matchPath, false);
      return;
    }
    if (request.method() == HttpMethod.CONNECT) {
      refuse(request, start, 405, "CONNECT is not supported: Vigil is a reverse proxy", Rejection.BAD_REQUEST, true, 0);
      return;
    }
    if (overloaded.getAsBoolean()) {
      refuse(request, start, 503, "Vigil is shedding load: its own heap is nearly full", Rejection.OVERLOADED, false, 1);
      return;
    }
    String contentLength = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (contentLength != null && Long.parseLong(contentLength.trim()) > settings.maxBodySize()) {
      // Answered before any "100 Continue", so a client that asked first never sends the body.
      refuse(request, start, 413, "request body larger than " + settings.maxBodySize() + " bytes",
          Rejection.TOO_LARGE, true, 0);
      return;
    }
    if (request.headers().contains(HttpHeaders.EXPECT) && !expectsOnlyContinue(request)) {
      refuse(request, start, 417, "the only expectation Vigil meets is 100-continue", Rejection.BAD_REQUEST, true, 0);
      return;
    }
    if (inFlight.incrementAndGet() > settings.maxInFlight()) {
      inFlight.decrementAndGet();
      refuse(request, start, 503, "too many requests in flight (" + settings.maxInFlight() + ")",
          Rejection.OVERLOADED, false, 1);
      return;
    }
    String forwardUri = asterisk ? "*" : PathNormalizer.forForwarding(rawPath);
    if (!asterisk && !settings.upstreamBasePath().isEmpty()) {
      forwardUri = settings.upstreamBasePath() + forwardUri;
    }
    if (query != null) {
      forwardUri = forwardUri + '?' + query;
    }
    Exchange exchange = new Exchange(pool, settings, inFlight, observer, deadlines, request, forwardUri, start,
        gate == null ? null : new Exchange.Hold(vertx, gate));
    var pending = admission.check(request);
    if (pending == null || (pending.isComplete() && pending.succeeded() && pending.result() == null)) {
      exchange.start(); // admitted at once (the local limiter answers synchronously)
      return;
    }
    if (!pending.isComplete()) {
      request.pause();
    }
    pending.onComplete(ar -> {
      Admission.Refusal refusal = ar.succeeded() ? ar.result() : null;
      if (refusal == null) {
        exchange.start();
      } else {
        inFlight.decrementAndGet();
        refuse(request, start, refusal.status(), refusal.message(), refusal.cause(), false,
            refusal.retryAfterSeconds());
      }
    });
  }

  /** True when the request declares a body (a non-zero Content-Length, or Transfer-Encoding). */
  static boolean hasBody(HttpServerRequest request) {
    String length = request.getHeader(HttpHeaders.CONTENT_LENGTH);
    return (length != null && !length.trim().equals("0")) || request.headers().contains(HttpHeaders.TRANSFER_ENCODING);
  }

  /** True when every member of every Expect line is 100-continue (RFC 9110 10.1.1); anything else gets 417. */
  static boolean expectsOnlyContinue(HttpServerRequest request) {
    for (String value : request.headers().getAll(HttpHeaders.EXPECT)) {
      int start = 0;
      while (start <= value.length()) {
        int comma = value.indexOf(',', start);
        int end = comma < 0 ? value.length() : comma;
        if (!value.substring(start, end).trim().equalsIgnoreCase("100-continue")) {
          return false;
        }
        start = end + 1;
      }
    }
    return true;
  }

  /** Absolute-form targets are accepted only for the host the client names in Host (RFC 9112 3.2.2). */
  private static URI absoluteTarget(HttpServerRequest request, String uri) {
    try {
      URI target = new URI(uri);
      String scheme = target.getScheme();
      if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
          || target.getRawAuthority() == null) {
        return null;
      }
      String host = request.getHeader(HttpHeaders.HOST);
      return host != null && host.equalsIgnoreCase(target.getRawAuthority()) ? target : null;
    } catch (Exception e) {
      return null;
    }
  }

  private void refuse(HttpServerRequest request, long start, int status, String message, Rejection cause,
                      boolean close, long retryAfterSeconds) {
    if (retryAfterSeconds > 0) {
      request.response().putHeader(HttpHeaders.RETRY_AFTER, String.valueOf(retryAfterSeconds));
    }
    String requestId = RequestIds.of(request);
    request.response().putHeader(RequestIds.HEADER, requestId);
    String method = request.method().name();
    String path = request.path();
    // An unread body would be taken for the next request: close instead of keeping the connection.
    boolean unreadBody = !request.isEnded() && hasBody(request);
    // Counted before sending, so anyone who has read the answer also sees it counted.
    observer.onExchange(method, path, status, System.nanoTime() - start, 0, ErrorReply.length(status, message),
        requestId, cause);
    ErrorReply.send(request, status, message, close || unreadBody);
  }
}
