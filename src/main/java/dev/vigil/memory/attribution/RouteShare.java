package dev.vigil.memory.attribution;

import io.vertx.core.json.JsonObject;

/**
 * One route's part of the memory growth.
 *
 * @param route          the route label ({@code metrics.maxRoutes} bounds them)
 * @param method         the HTTP method
 * @param mibPerRequest  memory each request leaves behind (MiB), from the fit
 * @param shareOfGrowth  its part of the fitted growth over the window, 0..1
 * @param requests       its requests in the window
 * @param tValue         coefficient over its standard error (how clearly the data show it)
 */
public record RouteShare(String route, String method, double mibPerRequest, double shareOfGrowth, long requests,
                         double tValue) {

  /** {@code {"route", "method", "mib_per_request", "share_of_growth", "requests"}} as in {@code /sidecar/memory}. */
  public JsonObject toJson() {
    return new JsonObject().put("route", route).put("method", method)
        .put("mib_per_request", Math.round(mibPerRequest * 1e6) / 1e6)
        .put("share_of_growth", Math.round(shareOfGrowth * 1000) / 1000.0)
        .put("requests", requests);
  }
}
