package dev.vigil.ratelimit;

/**
 * The answer for one request.
 *
 * @param allowed whether the request may pass
 * @param retryAfterMillis when denied, how long until one permit is available (for
 *     {@code Retry-After}, rounded up to whole seconds by the caller); 0 when allowed
 * @param remaining permits left right now after this decision
 */
public record RateDecision(boolean allowed, long retryAfterMillis, long remaining) {
  /** @return the {@code Retry-After} header value: whole seconds, at least 1 */
  public long retryAfterSeconds() {
    return Math.max(1, (retryAfterMillis + 999) / 1000);
  }
}
