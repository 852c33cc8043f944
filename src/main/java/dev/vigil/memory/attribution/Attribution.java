package dev.vigil.memory.attribution;

import io.vertx.core.json.JsonArray;
import java.util.List;

/**
 * The answer of one fit.
 *
 * @param routes                 routes whose retained memory per request is significant, largest share first
 * @param all                    every fitted route, significant or not (for tests and diagnostics)
 * @param unexplainedMiBPerHour  growth no route explains (the time term), or null when nothing was fitted
 * @param unexplainedShare       its part of the fitted growth, 0..1
 * @param intervals              intervals the fit used
 * @param hours                  time they span
 * @param reason                 why nothing was fitted, or null
 */
public record Attribution(List<RouteShare> routes, List<RouteShare> all, Double unexplainedMiBPerHour,
                          double unexplainedShare, int intervals, double hours, String reason) {

  static Attribution none(String reason, int intervals, double hours) {
    return new Attribution(List.of(), List.of(), null, 0, intervals, hours, reason);
  }

  public JsonArray routesJson() {
    JsonArray out = new JsonArray();
    routes.forEach(r -> out.add(r.toJson()));
    return out;
  }
}
