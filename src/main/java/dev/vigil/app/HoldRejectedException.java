package dev.vigil.app;

/**
 * A held request was not let through: the caller answers 503 JSON with
 * {@code Retry-After: }{@link #retryAfterSeconds()}. The message is one sentence for the body.
 */
public final class HoldRejectedException extends RuntimeException {

  /** Why the request was not let through. */
  public enum Reason {
    /** {@code app.hold.maxRequests} requests were already waiting: refused at once. */
    FULL,
    /** It waited {@code app.hold.timeout} and the app did not come up. */
    TIMEOUT,
    /** The caller gave up (e.g. the client closed the connection). */
    CANCELLED
  }

  private final Reason reason;
  private final long retryAfterSeconds;

  HoldRejectedException(Reason reason, String sentence, long retryAfterSeconds) {
    super(sentence, null, false, false);
    this.reason = reason;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  public Reason reason() {
    return reason;
  }

  /** For the {@code Retry-After} header. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
