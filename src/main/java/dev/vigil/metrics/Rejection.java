package dev.vigil.metrics;

/** Why Vigil answered a request itself instead of (or after) asking the app. */
public enum Rejection {
  TOO_LARGE("too_large"),
  RATE_LIMITED("rate_limited"),
  OVERLOADED("overloaded"),
  TIMEOUT("timeout"),
  UPSTREAM_ERROR("upstream_error"),
  BAD_REQUEST("bad_request");

  private final String label;

  Rejection(String label) {
    this.label = label;
  }

  /** The name used in the health JSON's {@code rejected} block and in metrics labels. */
  public String label() {
    return label;
  }
}
