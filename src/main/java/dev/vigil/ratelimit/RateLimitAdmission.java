package dev.vigil.ratelimit;

import dev.vigil.metrics.Rejection;
import dev.vigil.proxy.Admission;

import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;

/** Rate limiting in front of the app: over the limit, 429 with {@code Retry-After}. */
public final class RateLimitAdmission implements Admission {

  private final RateLimiter limiter;
  private final RateLimitKey key;

  public RateLimitAdmission(RateLimiter limiter, RateLimitKey key) {
    this.limiter = limiter;
    this.key = key;
  }

  @Override
  public Future<Refusal> check(HttpServerRequest request) {
    String peer = request.remoteAddress() == null ? "-" : request.remoteAddress().hostAddress();
    return limiter.acquire(key.resolve(peer, request.headers())).map(decision -> decision.allowed() ? null
        : new Refusal(429, "rate limit exceeded; retry after " + decision.retryAfterSeconds() + " s",
            Rejection.RATE_LIMITED, decision.retryAfterSeconds()));
  }
}
