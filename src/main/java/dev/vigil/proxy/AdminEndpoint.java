package dev.vigil.proxy;

import io.vertx.core.http.HttpServerRequest;

/** Answers requests under the admin prefix; the proxy never forwards them. */
@FunctionalInterface
public interface AdminEndpoint {

  /**
   * @param path the request path in matching form (decoded, dot segments resolved), under the prefix
   * @param adminListener true on the separate admin listener, false on the proxy listener
   */
  void handle(HttpServerRequest request, String path, boolean adminListener);
}
