package dev.vigil.proxy;

import dev.vigil.metrics.Rejection;

/**
 * Told about every finished exchange on the proxy listener, on the event-loop thread that served
 * it. Implementations must be cheap and must not block: this is the hot path.
 */
public interface ExchangeObserver {

  ExchangeObserver NONE = (method, path, status, latencyNanos, bytesIn, bytesOut, requestId, rejection) -> { };

  /**
   * @param rejection why Vigil answered itself, or null when the app answered
   */
  void onExchange(String method, String path, int status, long latencyNanos, long bytesIn, long bytesOut,
                  String requestId, Rejection rejection);
}
