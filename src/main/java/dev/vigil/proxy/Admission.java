package dev.vigil.proxy;

import dev.vigil.metrics.Rejection;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerRequest;

/**
 * Decides, before anything is sent to the app, whether a request may go on. Used for rate
 * limiting; the default admits everything at no cost.
 */
public interface Admission {

  Admission ALLOW_ALL = request -> null;

  /**
   * @return null to admit at once (the common, allocation-free case), or a future that completes
   *     with null to admit or with a {@link Refusal} to answer the request with it
   */
  Future<Refusal> check(HttpServerRequest request);

  /** An answer instead of forwarding: status, message, cause and an optional Retry-After in seconds. */
  record Refusal(int status, String message, Rejection cause, long retryAfterSeconds) {
  }
}
