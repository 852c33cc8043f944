package dev.vigil.store.redis;

import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Fleet health for {@code GET /sidecar/health?scope=fleet}: every replica of {@code app.name}
 * publishes its status, and any replica can list the replicas that reported within their ttl.
 *
 * <p>Storage: a hash {@code keyPrefix + "fleet:" + app} (instance to a small JSON report) and a
 * sorted set {@code keyPrefix + "fleet:" + app + ":seen"} (instance to expiry time, from Redis
 * {@code TIME} so replica clock skew does not matter). Publishing prunes expired replicas and caps
 * the fleet at {@link #MAX_REPLICAS}, and both keys expire when every replica stops reporting, so
 * nothing grows without bound. Reading uses one range query: no {@code KEYS}, no {@code SCAN}.
 * Thread-safe.
 */
public final class FleetRegistry {
  /** Most replicas listed and kept per application. */
  public static final int MAX_REPLICAS = 1000;
  /** Issues copied from each report at most. */
  static final int MAX_ISSUES = 10;

  static final RedisScript PUBLISH = new RedisScript(String.join("\n",
      "local t = redis.call('TIME')",
      "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)",
      "local ttl = tonumber(ARGV[3])",
      "local max = tonumber(ARGV[4])",
      "local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, max)",
      "for _, m in ipairs(expired) do redis.call('HDEL', KEYS[1], m) end",
      "redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)",
      "redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])",
      "redis.call('ZADD', KEYS[2], string.format('%.0f', now + ttl), ARGV[1])",
      "local excess = redis.call('ZCARD', KEYS[2]) - max",
      "if excess > 0 then",
      "  for _, m in ipairs(redis.call('ZRANGE', KEYS[2], 0, excess - 1)) do redis.call('HDEL', KEYS[1], m) end",
      "  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, excess - 1)",
      "end",
      "local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')",
      "redis.call('PEXPIREAT', KEYS[1], last[2])",
      "redis.call('PEXPIREAT', KEYS[2], last[2])",
      "return 1"));

  static final RedisScript LIST_LIVE = new RedisScript(String.join("\n",
      "local t = redis.call('TIME')",
      "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)",
      "local live = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. now, '+inf', 'LIMIT', 0, tonumber(ARGV[1]))",
      "local out = {}",
      "for _, m in ipairs(live) do",
      "  out[#out + 1] = m",
      "  out[#out + 1] = redis.call('HGET', KEYS[1], m) or ''",
      "end",
      "return out"));

  private final RedisStore store;
  private final List<String> keys;
  private final String instanceId;
  private final String ttlMillis;

  /**
   * @param store the shared store
   * @param appName {@code app.name}
   * @param instanceId {@code app.instance}, unique per replica
   * @param ttl how long a report counts; publish every ttl/3 or so
   */
  public FleetRegistry(RedisStore store, String appName, String instanceId, Duration ttl) {
    this.store = Objects.requireNonNull(store, "store");
    String hash = store.key("fleet:" + Objects.requireNonNull(appName, "appName"));
    this.keys = List.of(hash, hash + ":seen");
    this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
    if (ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("fleet ttl must be positive, got " + ttl);
    }
    this.ttlMillis = Long.toString(ttl.toMillis());
  }

  /**
   * Publishes this replica's status, read from {@code healthSnapshot} (the {@code /sidecar/health}
   * JSON: {@code status} and up to {@value #MAX_ISSUES} {@code issues} are kept).
   */
  public Future<Void> publish(JsonObject healthSnapshot) {
    JsonObject report = new JsonObject()
        .put("status", healthSnapshot.getString("status", "unknown"))
        .put("reported", Instant.now().toString());
    Object issues = healthSnapshot.getValue("issues");
    if (issues instanceof JsonArray list) {
      report.put("issues", new JsonArray(list.getList().subList(0, Math.min(MAX_ISSUES, list.size()))));
    }
    JsonObject lastRecycle = lastRecycle(healthSnapshot);
    if (lastRecycle != null) {
      report.put("last_recycle", lastRecycle);
    }
    return store.eval(PUBLISH, keys,
        List.of(instanceId, report.encode(), ttlMillis, Integer.toString(MAX_REPLICAS))).mapEmpty();
  }

  /**
   * @return {@code {"status": worst, "replicas": [{"instance", "status", "reported", "last_recycle"}]}} sorted by
   *     instance; status is {@code unhealthy} when no replica reported within its ttl. Fails when
   *     Redis does (the caller then shows its own status only).
   */
  public Future<JsonObject> fleet() {
    return store.eval(LIST_LIVE, keys, List.of(Integer.toString(MAX_REPLICAS)))
        .map(FleetRegistry::toFleet);
  }

  /** {@code app.recycles.last} of a health document (issue 14), or null. */
  public static JsonObject lastRecycle(JsonObject healthSnapshot) {
    Object app = healthSnapshot.getValue("app");
    if (app instanceof JsonObject a && a.getValue("recycles") instanceof JsonObject r
        && r.getValue("last") instanceof JsonObject last) {
      return last;
    }
    return null;
  }

  private static JsonObject toFleet(RedisReply reply) {
    List<JsonObject> replicas = new ArrayList<>();
    for (int i = 0; i + 1 < reply.size(); i += 2) {
      JsonObject report = parseReport(reply.get(i + 1));
      JsonObject replica = new JsonObject()
          .put("instance", reply.get(i).text())
          .put("status", report.getString("status", "unknown"))
          .put("reported", report.getString("reported"));
      if (report.containsKey("issues")) {
        replica.put("issues", report.getValue("issues"));
      }
      if (report.containsKey("last_recycle")) {
        replica.put("last_recycle", report.getValue("last_recycle"));
      }
      replicas.add(replica);
    }
    replicas.sort(Comparator.comparing(r -> r.getString("instance")));
    String worst = replicas.isEmpty() ? "unhealthy" : "healthy";
    for (JsonObject r : replicas) {
      worst = worse(worst, r.getString("status"));
    }
    return new JsonObject().put("status", worst).put("replicas", new JsonArray(new ArrayList<>(replicas)));
  }

  private static JsonObject parseReport(RedisReply value) {
    try {
      return value.isNull() ? new JsonObject() : new JsonObject(value.text());
    } catch (DecodeException | ClassCastException e) {
      return new JsonObject();
    }
  }

  /** Orders healthy < degraded < unhealthy; a status we do not know counts as degraded. */
  static String worse(String a, String b) {
    return rank(a) >= rank(b) ? normalize(a) : normalize(b);
  }

  private static int rank(String status) {
    if ("healthy".equals(status)) {
      return 0;
    }
    return "unhealthy".equals(status) ? 2 : 1;
  }

  private static String normalize(String status) {
    return switch (rank(status)) {
      case 0 -> "healthy";
      case 2 -> "unhealthy";
      default -> "degraded";
    };
  }
}
