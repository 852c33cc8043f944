package dev.vigil.config;

import static dev.vigil.config.Setting.Kind.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every setting Vigil reads, with its default and its bounds, in one place. Sizes and counts
 * have finite maxima on purpose: Vigil must never become the leak it is watching for.
 */
final class Settings {

  private static final long GIB = 1L << 30;
  private static final double HOUR_MS = 3_600_000d;
  private static final double DAY_MS = 24 * HOUR_MS;

  static final Map<String, Setting> ALL = build(
      // Proxy listener; 8080 is what most sidecar set-ups expect.
      Setting.of("listen.host", HOST, "0.0.0.0"),
      Setting.bounded("listen.port", INT, 8080, 0, 65535),

      // The application. Loopback because a sidecar shares the pod's network namespace.
      Setting.of("upstream.url", URL, "http://127.0.0.1:8000"),
      Setting.bounded("upstream.connectTimeout", DURATION, "2s", 1, 5 * 60_000),
      Setting.of("upstream.rewriteHost", BOOL, false),
      // netty: Vigil's own client on Netty's HTTP codec (less CPU and allocation per request);
      // vertx: Vert.x's HTTP client, as before. Upgrades (WebSocket) and https:// always use vertx.
      Setting.of("upstream.engine", UPSTREAM_ENGINE, "netty"),
      // 20 connections and a 256-request queue: enough for a small app, small enough to protect it.
      Setting.bounded("upstream.pool.maxSize", INT, 20, 1, 10_000),
      Setting.bounded("upstream.pool.waitQueue", INT, 256, 0, 100_000),
      Setting.bounded("upstream.pool.idleTimeout", DURATION, "60s", 1000, DAY_MS),
      // Recycle connections hourly so DNS changes and app-side leaks per connection do not stick.
      Setting.bounded("upstream.pool.maxLifetime", DURATION, "1h", 1000, 7 * DAY_MS),
      Setting.of("upstream.health.path", PATH, "/api/health"),
      Setting.bounded("upstream.health.interval", DURATION, "10s", 10, DAY_MS),
      Setting.bounded("upstream.health.timeout", DURATION, "2s", 10, 60_000),
      Setting.bounded("upstream.health.unhealthyAfter", INT, 3, 1, 1000),

      // Request limits: each one answers with a JSON error instead of reaching the app.
      Setting.bounded("proxy.maxBodySize", SIZE, "10MiB", 0, 64 * GIB),
      Setting.bounded("proxy.maxHeaderSize", SIZE, "16KiB", 1024, 1 << 20),
      Setting.bounded("proxy.headerTimeout", DURATION, "10s", 10, HOUR_MS),
      Setting.bounded("proxy.requestTimeout", DURATION, "30s", 10, DAY_MS),
      Setting.bounded("proxy.idleTimeout", DURATION, "75s", 100, DAY_MS),
      Setting.bounded("proxy.maxInFlight", INT, 512, 1, 1_000_000),
      Setting.of("proxy.lenient", BOOL, false), // relaxes the SHOULD-level HTTP/1.1 parsing rules (README)

      Setting.of("admin.prefix", PATH_PREFIX, "/sidecar/"),
      Setting.bounded("admin.port", INT, null, 0, 65535),
      Setting.of("admin.token", STRING, null),

      Setting.of("metrics.enabled", BOOL, true),
      Setting.bounded("metrics.requestBuffer", INT, 4096, 1, 1_000_000),
      Setting.bounded("metrics.maxRoutes", INT, 100, 1, 10_000),
      Setting.of("metrics.routePatterns", STRING_LIST, List.of()),
      // Vert.x's own per-request HTTP meters: useful, but they cost a third of the throughput.
      Setting.of("metrics.vertxHttpMeters", BOOL, false),

      Setting.of("memory.enabled", BOOL, true),
      // Where memory is read: auto = the process tree or cgroup in run mode, else the HTTP endpoint.
      Setting.of("memory.source", MEMORY_SOURCE, "auto"),
      Setting.of("memory.process.match", REGEX, null),
      Setting.of("memory.poll.url", URL, null),
      Setting.bounded("memory.poll.interval", DURATION, "30s", 10, DAY_MS),
      Setting.bounded("memory.poll.timeout", DURATION, "2s", 10, 5 * 60_000),
      Setting.of("memory.poll.rssPointer", JSON_POINTER, null),
      Setting.of("memory.poll.rssUnit", MEMORY_UNIT, null),
      Setting.bounded("memory.history", INT, 720, 2, 100_000),
      Setting.bounded("memory.limit", SIZE, null, 1 << 20, 1L << 50),
      Setting.bounded("memory.trend.window", DURATION, "30m", 1000, 7 * DAY_MS),
      Setting.bounded("memory.warnPercent", PERCENT, 80, 1, 100),
      Setting.bounded("memory.criticalPercent", PERCENT, 95, 1, 100),
      Setting.bounded("memory.warnHorizon", DURATION, "6h", 0, 30 * DAY_MS),
      Setting.bounded("memory.criticalHorizon", DURATION, "15m", 0, 30 * DAY_MS),
      Setting.of("memory.cleanup.url", URL, null),
      Setting.bounded("memory.cleanup.cooldown", DURATION, "10m", 0, 30 * DAY_MS),
      Setting.of("memory.diagnostics.url", URL, null),
      Setting.bounded("memory.diagnostics.timeout", DURATION, "10s", 10, 5 * 60_000),
      Setting.of("memory.unreadyWhenCritical", BOOL, false),

      Setting.of("keepalive.enabled", BOOL, true),
      Setting.of("keepalive.target", URL, null),
      Setting.of("keepalive.timezone", ZONE, "UTC"),
      Setting.of("keepalive.windows", WINDOWS, List.of(Map.of("from", "07:00", "to", "22:00", "interval", "10m"))),
      Setting.bounded("keepalive.defaultInterval", DURATION, "30m", 10, 7 * DAY_MS),
      Setting.bounded("keepalive.timeout", DURATION, "5s", 10, 5 * 60_000),
      Setting.bounded("keepalive.jitter", FRACTION, "10%", 0, 0.5),
      Setting.bounded("keepalive.maxBackoff", DURATION, "1h", 10, 7 * DAY_MS),

      Setting.bounded("health.errorRateDegraded", DECIMAL, 0.05, 0, 1),

      // Self-protection: shed new requests before Vigil's own heap runs out.
      Setting.bounded("overload.heapShedPercent", PERCENT, 90, 1, 100),

      Setting.of("ratelimit.enabled", BOOL, false),
      Setting.of("ratelimit.rate", RATE, "100/s"),
      Setting.bounded("ratelimit.burst", INT, 200, 1, 100_000_000),
      Setting.of("ratelimit.key", LIMIT_KEY, "ip"),
      Setting.bounded("ratelimit.maxKeys", INT, 100_000, 1, 10_000_000),

      Setting.of("redis.url", REDIS_URL, null),
      Setting.bounded("redis.timeout", DURATION, "500ms", 1, 60_000),
      Setting.of("redis.keyPrefix", STRING, "vigil:"),

      Setting.of("app.name", STRING, "app"),
      Setting.of("app.instance", STRING, null),
      // `vigil run -- CMD` only: the child's port (null = a free loopback port), its stop and restarts,
      // and the bounded wait of requests while no healthy child is there.
      Setting.bounded("app.port", INT, null, 1, 65535),
      Setting.bounded("app.stopTimeout", DURATION, "10s", 10, HOUR_MS),
      Setting.of("app.restart.policy", RESTART_POLICY, "always"),
      Setting.bounded("app.restart.backoff", DURATION, "1s", 10, HOUR_MS),
      Setting.bounded("app.restart.maxBackoff", DURATION, "30s", 10, DAY_MS),
      Setting.bounded("app.hold.maxRequests", INT, 256, 0, 100_000),
      Setting.bounded("app.hold.timeout", DURATION, "30s", 10, HOUR_MS),

      Setting.bounded("lifecycle.drainTimeout", DURATION, "30s", 0, HOUR_MS),

      // Recycle the app before the OOM kill (run mode; app-live in a sidecar). Off until asked for:
      // restarting someone's app is not a default. 10 minutes of horizon leave room for a slow
      // start and a full drain; 5 minutes between recycles bound the cost of a cold cache; 10% of
      // the limit stays free while two children overlap.
      Setting.of("recycle.enabled", BOOL, false),
      Setting.of("recycle.at", MEMORY_STATE, "critical"),
      Setting.bounded("recycle.horizon", DURATION, "10m", 1000, 7 * DAY_MS),
      Setting.bounded("recycle.minInterval", DURATION, "5m", 0, 7 * DAY_MS),
      Setting.bounded("recycle.margin", FRACTION, "10%", 0, 0.9),
      Setting.bounded("recycle.maxConcurrent", INT, 1, 1, 1000),
      // The fresh app's footprint (the baseline for the overlap fit) is read this long after it
      // became healthy; lead is how long before an overlap stops fitting the policy recycles.
      // Shorten both only when the whole time scale is shortened (tests, src/bench/week.sh).
      Setting.bounded("recycle.baselineAfter", DURATION, "1m", 1000, DAY_MS),
      Setting.bounded("recycle.lead", DURATION, "2m", 0, DAY_MS));

  private Settings() {
  }

  private static Map<String, Setting> build(Setting... settings) {
    Map<String, Setting> map = new LinkedHashMap<>();
    for (Setting s : settings) {
      map.put(s.key(), s);
    }
    return java.util.Collections.unmodifiableMap(map);
  }

  /** True when {@code path} is a strict prefix of some key, i.e. a YAML section such as {@code memory.poll}. */
  static boolean isSection(String path) {
    String p = path + ".";
    for (String key : ALL.keySet()) {
      if (key.startsWith(p)) {
        return true;
      }
    }
    return false;
  }
}
