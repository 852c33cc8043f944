package dev.vigil;

import dev.vigil.config.VigilConfig;
import dev.vigil.health.Finding;
import dev.vigil.proxy.Admission;
import dev.vigil.ratelimit.RateLimitAdmission;
import dev.vigil.ratelimit.RateLimitKey;
import dev.vigil.ratelimit.RateLimiter;
import dev.vigil.store.redis.FleetRegistry;
import dev.vigil.store.redis.LeaderLock;
import dev.vigil.store.redis.MemoryHistoryStore;
import dev.vigil.memory.MemorySample;
import java.time.Instant;
import dev.vigil.store.redis.RecycleLease;
import dev.vigil.store.redis.RedisStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;

/**
 * What replicas share when {@code redis.url} is set (rate limits, the keep-alive leader lock,
 * fleet health), and the local stand-ins used without it. Nothing here is on the path of a
 * request except the rate limiter, which falls back to local memory within one Redis timeout.
 */
final class SharedState {

  /** Leader lock and fleet entries expire after this without renewal. */
  static final Duration TTL = Duration.ofSeconds(30);
  static final long RENEW_EVERY_MS = 10_000;

  private final Vertx vertx;
  private final VigilConfig config;
  private final MeterRegistry registry;
  /** These four are null without {@code redis.url}. */
  private final RedisStore store;
  private final LeaderLock leader;
  private final FleetRegistry fleet;
  private final MemoryHistoryStore memoryHistory;
  private long timer = -1;

  /** Builds the Redis store and what uses it when {@code redis.url} is set; connects nothing yet. */
  SharedState(Vertx vertx, VigilConfig config, MeterRegistry registry) {
    this.vertx = vertx;
    this.config = config;
    this.registry = registry;
    var redis = config.redis();
    if (!redis.enabled()) {
      store = null;
      leader = null;
      fleet = null;
      memoryHistory = null;
      return;
    }
    store = new RedisStore(vertx, redis.url().toString(), redis.timeout(), redis.keyPrefix(), registry);
    leader = new LeaderLock(store, config.app().name(), config.app().instance(), TTL);
    fleet = new FleetRegistry(store, config.app().name(), config.app().instance(), TTL);
    // Per instance: replicas watch different processes, and a restarted sidecar keeps its pod name.
    memoryHistory = new MemoryHistoryStore(store, config.app().name() + ":" + config.app().instance(),
        config.memory().watch().history());
  }

  /** The fleet's recycle lease ({@code recycle.maxConcurrent}); without Redis each replica decides alone. */
  RecycleLease recycleLease() {
    return new RecycleLease(store, config.app().name(), config.app().instance(), config.recycle().maxConcurrent(), TTL);
  }

  /** Connects when Redis is configured; never fails start-up because Redis is down. */
  Future<Void> start(Supplier<JsonObject> healthReport) {
    if (store == null) {
      return Future.succeededFuture();
    }
    return store.start().onSuccess(v -> {
      renew(healthReport);
      timer = vertx.setPeriodic(RENEW_EVERY_MS, id -> renew(healthReport));
    });
  }

  private void renew(Supplier<JsonObject> healthReport) {
    if (!store.connected()) {
      return;
    }
    leader.tryAcquireOrRenew();
    fleet.publish(healthReport.get());
  }

  /** Memory samples saved by an earlier run of this instance, oldest first; empty without Redis. */
  Future<List<MemorySample>> loadMemoryHistory() {
    if (store == null || !store.connected()) {
      return Future.succeededFuture(List.of());
    }
    return memoryHistory.load()
        .map(list -> list.stream()
            .map(x -> new MemorySample(Instant.ofEpochMilli(x.epochMillis()), x.rssMiB()))
            .toList())
        .recover(t -> Future.succeededFuture(List.of()));
  }

  /** Saves a sample; best effort, never awaited by the poller. */
  void saveMemorySample(MemorySample sample) {
    if (store != null && store.connected()) {
      memoryHistory.append(sample.t(), sample.rssMiB());
    }
  }

  Future<Void> stop() {
    if (store == null) {
      return Future.succeededFuture();
    }
    if (timer != -1) {
      vertx.cancelTimer(timer);
    }
    Future<Void> released = leader.held() ? leader.release().recover(t -> Future.succeededFuture()) : Future.succeededFuture();
    return released.eventually(store::stop);
  }

  /** Rate limiting as configured, or admit-all when it is off. */
  Admission admission() {
    var rl = config.ratelimit();
    if (!rl.enabled()) {
      return Admission.ALLOW_ALL;
    }
    RateLimiter limiter = RateLimiter.create(rl.permitsPerSecond(), rl.burst(), rl.maxKeys(), config.app().name(),
        store, registry);
    return new RateLimitAdmission(limiter, RateLimitKey.parse(rl.key()));
  }

  /**
   * Whether this replica should send the keep-alive ping: the lock holder does; without Redis, or
   * while it is unreachable, every replica decides alone (a double ping is harmless, a missed one is not).
   */
  Future<Boolean> mayPing() {
    if (store == null || !store.connected()) {
      return Future.succeededFuture(true);
    }
    return leader.tryAcquireOrRenew().map(held -> held || !store.connected());
  }

  JsonObject healthJson() {
    if (store == null) {
      return new JsonObject().put("enabled", false).put("connected", false).put("mode", "disabled");
    }
    return new JsonObject()
        .put("enabled", true)
        .put("connected", store.connected())
        .put("mode", store.mode())
        .put("keepalive_leader", leader.held());
  }

  List<Finding> findings() {
    if (store == null || store.connected()) {
      return List.of();
    }
    return List.of(Finding.degraded("Redis at " + config.redis().url().getHost() + ":" + redisPort()
        + " is unreachable; rate limits use local memory until it returns"));
  }

  /** {@code GET /sidecar/health?scope=fleet}: every live replica; just this one without Redis. */
  Future<JsonObject> fleetJson(JsonObject own) {
    if (store == null || !store.connected()) {
      JsonObject self = new JsonObject()
          .put("instance", config.app().instance())
          .put("status", own.getString("status"))
          .put("reported", own.getString("timestamp"));
      JsonObject lastRecycle = FleetRegistry.lastRecycle(own);
      if (lastRecycle != null) {
        self.put("last_recycle", lastRecycle);
      }
      return Future.succeededFuture(new JsonObject()
          .put("status", own.getString("status"))
          .put("source", store == null ? "local" : "local (redis unreachable)")
          .put("replicas", new JsonArray().add(self)));
    }
    return fleet.publish(own).compose(v -> fleet.fleet());
  }

  private int redisPort() {
    int port = config.redis().url().getPort();
    return port == -1 ? 6379 : port;
  }
}
