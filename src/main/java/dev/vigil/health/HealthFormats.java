package dev.vigil.health;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * The {@code /sidecar/health} report in the formats other tools read. Pure: it turns the report
 * document (and the readiness conditions) into another document, with no I/O and no clock.
 * <ul>
 *   <li>{@link #healthJson}: {@code application/health+json} of draft-inadarei-api-health-check
 *       (status pass, warn or fail; one entry per check under {@code checks}), read by status
 *       pages and API gateways;</li>
 *   <li>{@link #verbose}: the Kubernetes {@code ?verbose} listing of {@code /readyz} and
 *       {@code /livez}: {@code [+]name ok} or {@code [-]name failed: reason} per check, then
 *       {@code readyz check passed} or {@code failed}.</li>
 * </ul>
 */
public final class HealthFormats {

  public static final String HEALTH_JSON = "application/health+json";
  public static final String TEXT = "text/plain; charset=utf-8";

  private static final String PASS = "pass";
  private static final String WARN = "warn";
  private static final String FAIL = "fail";

  private final int upstreamUnhealthyAfter;
  private final double errorRateDegraded;

  /** One line of a {@code ?verbose} listing. */
  public record ProbeCheck(String name, boolean ok, String reason) {
  }

  /**
   * The two thresholds the report does not carry, so each check can weigh as the aggregator did.
   *
   * @param upstreamUnhealthyAfter {@code upstream.health.unhealthyAfter}: failures that make the app unhealthy
   * @param errorRateDegraded {@code health.errorRateDegraded}: the 5xx share that makes Vigil degraded
   */
  public HealthFormats(int upstreamUnhealthyAfter, double errorRateDegraded) {
    this.upstreamUnhealthyAfter = upstreamUnhealthyAfter;
    this.errorRateDegraded = errorRateDegraded;
  }

  /** Whether an {@code Accept} header asks for health+json at least as much as for plain JSON. */
  public static boolean wantsHealthJson(String accept) {
    if (accept == null) {
      return false;
    }
    double health = 0;
    double json = 0;
    for (String range : accept.split(",")) {
      String[] parts = range.split(";");
      String type = parts[0].trim().toLowerCase(Locale.ROOT);
      double q = 1;
      for (int i = 1; i < parts.length; i++) {
        String param = parts[i].trim();
        if (param.startsWith("q=")) {
          try {
            q = Double.parseDouble(param.substring(2));
          } catch (NumberFormatException e) {
            q = 0;
          }
        }
      }
      if (type.equals(HEALTH_JSON)) {
        health = Math.max(health, q);
      } else if (type.equals("application/json")) {
        json = Math.max(json, q);
      }
    }
    return health > 0 && health >= json;
  }

  /**
   * The report as {@code application/health+json}: {@code status} pass|warn|fail for
   * healthy|degraded|unhealthy (so the HTTP status rules stay the same), {@code output} and
   * {@code notes} from {@code issues}, and {@code checks}. A check whose part is off (memory
   * watching, keep-alive, Redis) is left out.
   */
  public JsonObject healthJson(JsonObject report) {
    String now = report.getString("timestamp");
    List<String> issues = strings(report.getJsonArray("issues"));
    JsonObject checks = new JsonObject();

    JsonObject memory = report.getJsonObject("memory", new JsonObject());
    if (memory.getBoolean("enabled", true)) {
      String state = memory.getString("state", "unknown");
      String status = "critical".equals(state) ? FAIL : "warning".equals(state) ? WARN : PASS;
      Double percent = memory.getDouble("percent");
      JsonObject check = check("system", null, percent != null ? percent : memory.getDouble("rss_mib"),
          percent != null ? "percent" : "MiB", status, timeOr(memory.getString("last_sample"), now));
      checks.put("memory:utilization", entry(check, status, issues, s -> s.startsWith("memory"),
          "memory is " + state));
    }

    JsonObject upstream = report.getJsonObject("upstream", new JsonObject());
    {
      int failures = upstream.getInteger("consecutive_failures", 0);
      boolean down = !upstream.getBoolean("reachable", false) && upstream.getString("last_check") != null;
      String status = !down ? PASS : failures >= upstreamUnhealthyAfter ? FAIL : WARN;
      JsonObject check = check("component", upstream.getString("url"), upstream.getValue("last_latency_ms"), "ms",
          status, timeOr(upstream.getString("last_check"), now));
      checks.put("upstream:responseTime", entry(check, status, issues,
          s -> s.startsWith("the app does not answer"), "the app does not answer: " + upstream.getString("last_error")));
    }

    JsonObject app = report.getJsonObject("app", new JsonObject());
    if ("run".equals(app.getString("mode"))) {
      // vigil run: the supervised child; observedValue is its restarts so far.
      String state = app.getString("state", "up");
      String status = "up".equals(state) ? PASS : "stopped".equals(state) ? FAIL : WARN;
      JsonObject restarts = app.getJsonObject("restarts", new JsonObject());
      long total = restarts.getLong("crash", 0L) + restarts.getLong("oom_killed", 0L);
      JsonObject check = check("component", null, total, "restarts", status, now);
      checks.put("app:restarts", entry(check, status, issues,
          s -> s.startsWith("the app ") && !s.startsWith("the app does not answer"), "the app is " + state));
    }

    JsonObject keepalive = report.getJsonObject("keepalive", new JsonObject());
    if (keepalive.getBoolean("enabled", false)) {
      int failures = keepalive.getInteger("consecutive_failures", 0);
      String status = failures > 0 ? WARN : PASS;
      JsonObject check = check("component", keepalive.getString("target"), failures, "failures", status,
          timeOr(keepalive.getString("last_ping"), now));
      checks.put("keepalive:consecutiveFailures", entry(check, status, issues, s -> s.startsWith("keep-alive"),
          "keep-alive pings fail: " + keepalive.getString("last_error")));
    }

    JsonObject redis = report.getJsonObject("redis", new JsonObject());
    if (redis.getBoolean("enabled", false)) {
      boolean connected = redis.getBoolean("connected", false);
      String status = connected ? PASS : WARN;
      JsonObject check = check("datastore", null, connected ? 1 : 0, "connections", status, now);
      checks.put("redis:connections", entry(check, status, issues, s -> s.startsWith("Redis"),
          "Redis is unreachable (mode " + redis.getString("mode") + ")"));
    }

    JsonObject proxy = report.getJsonObject("proxy", new JsonObject());
    {
      double rate = proxy.getDouble("error_rate_1m", 0.0);
      String status = rate > errorRateDegraded ? WARN : PASS;
      JsonObject check = check("component", null, rate, "ratio of 5xx answers in the last minute", status, now);
      checks.put("proxy:errorRate", entry(check, status, issues, s -> s.contains("answered 5xx"),
          "the 5xx share is above " + errorRateDegraded));
    }

    JsonObject sidecar = report.getJsonObject("sidecar", new JsonObject());
    {
      String status = sidecar.getBoolean("shedding", false) ? WARN : PASS;
      JsonObject check = check("system", null, sidecar.getValue("heap_live_percent"), "percent", status, now);
      checks.put("vigil:heapUtilization", entry(check, status, issues, s -> s.startsWith("Vigil is shedding"),
          "Vigil is shedding load"));
    }

    String status = switch (report.getString("status", "unhealthy")) {
      case "healthy" -> PASS;
      case "degraded" -> WARN;
      default -> FAIL;
    };
    JsonObject doc = new JsonObject()
        .put("status", status)
        .put("description", "Vigil sidecar in front of " + upstream.getString("url", "the app"));
    if (!PASS.equals(status) && !issues.isEmpty()) {
      doc.put("output", String.join("; ", issues));
    }
    if (!issues.isEmpty()) {
      doc.put("notes", new JsonArray(issues));
    }
    return doc.put("checks", checks);
  }

  /** The readiness conditions as probe lines, with {@code shutdown} last (as kube-apiserver lists it). */
  public static List<ProbeCheck> readiness(Readiness readiness) {
    List<ProbeCheck> out = new ArrayList<>();
    for (Readiness.Condition c : readiness.conditions()) {
      boolean ok = c.holds().getAsBoolean();
      out.add(new ProbeCheck(c.name(), ok, ok ? null : c.whenFailing()));
    }
    boolean draining = readiness.draining();
    out.add(new ProbeCheck("shutdown", !draining, draining ? "shutting down: draining in-flight requests" : null));
    return out;
  }

  /** Liveness has one check: this answer itself proves the event loop runs. */
  public static List<ProbeCheck> liveness() {
    return List.of(new ProbeCheck("ping", true, null));
  }

  /** Whether every check passes. */
  public static boolean passed(List<ProbeCheck> checks) {
    return checks.stream().allMatch(ProbeCheck::ok);
  }

  /**
   * The Kubernetes {@code ?verbose} text: {@code [+]name ok} or {@code [-]name failed: reason} per
   * check, then {@code <endpoint> check passed} or {@code failed}.
   *
   * @param endpoint {@code readyz} or {@code livez}
   */
  public static String verbose(String endpoint, List<ProbeCheck> checks) {
    StringBuilder out = new StringBuilder();
    for (ProbeCheck c : checks) {
      if (c.ok()) {
        out.append("[+]").append(c.name()).append(" ok\n");
      } else {
        out.append("[-]").append(c.name()).append(" failed: ").append(c.reason()).append('\n');
      }
    }
    return out.append(endpoint).append(passed(checks) ? " check passed\n" : " check failed\n").toString();
  }

  /** A check's time: when its part last looked, else the report's own time (never null). */
  private static String timeOr(String time, String now) {
    return time != null ? time : now;
  }

  private static JsonObject check(String type, String id, Object value, String unit, String status, String time) {
    JsonObject check = new JsonObject().put("componentType", type);
    if (id != null) {
      check.put("componentId", id);
    }
    return check.put("observedValue", value).put("observedUnit", unit).put("status", status).put("time", time);
  }

  /**
   * A check entry (the draft makes each an array); {@code output}, only when not passing, is the
   * issue sentences this part contributed, or a fallback when the report has none.
   */
  private static JsonArray entry(JsonObject check, String status, List<String> issues, Predicate<String> mine,
      String fallback) {
    if (!PASS.equals(status)) {
      List<String> own = issues.stream().filter(mine).toList();
      check.put("output", own.isEmpty() ? fallback : String.join("; ", own));
    }
    return new JsonArray().add(check);
  }

  private static List<String> strings(JsonArray array) {
    List<String> out = new ArrayList<>();
    if (array != null) {
      array.forEach(o -> out.add(String.valueOf(o)));
    }
    return out;
  }
}
