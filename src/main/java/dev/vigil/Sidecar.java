package dev.vigil;

import dev.vigil.admin.AdminReplies;
import dev.vigil.admin.AdminRoutes;
import dev.vigil.admin.MetricsViews;
import dev.vigil.admin.DashboardAssets;
import dev.vigil.config.VigilConfig;
import dev.vigil.health.Finding;
import dev.vigil.health.HealthAggregator;
import dev.vigil.health.HealthMeters;
import dev.vigil.health.HeapGuard;
import dev.vigil.health.ProcessStats;
import dev.vigil.health.Readiness;
import dev.vigil.health.UpstreamProbe;
import dev.vigil.keepalive.KeepAlive;
import dev.vigil.memory.MemoryWatch;
import dev.vigil.metrics.ProxyStats;
import dev.vigil.metrics.RequestMetrics;
import dev.vigil.metrics.Shard;
import dev.vigil.proxy.ErrorReply;
import dev.vigil.proxy.ExchangeObserver;
import dev.vigil.proxy.PathNormalizer;
import dev.vigil.proxy.ProxyRuntime;
import dev.vigil.proxy.ProxyVerticle;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Wires the concerns together and owns their lifecycle: start everything, and on shutdown turn
 * readiness off, drain the proxy listener, then stop the rest.
 */
public final class Sidecar {

  private final VigilConfig config;
  private final Clock clock;
  private final PrometheusMeterRegistry registry;
  private final Readiness readiness = new Readiness();
  private final List<ProxyVerticle> proxies = new CopyOnWriteArrayList<>();
  private final ProcessStats processStats = new ProcessStats();
  private final HeapGuard heapGuard;
  private final HealthAggregator health;
  private final SharedState shared;
  private Vertx vertx;
  private UpstreamProbe probe;
  private KeepAlive keepAlive;
  private MemoryWatch memory;
  private RequestMetrics metrics;
  private ProxyRuntime runtime;
  private String proxyDeployment;
  private HttpServer adminServer;
  private long housekeeping = -1;

  /**
   * @param registry where Vigil's meters go; {@code /sidecar/metrics} renders it
   */
  public Sidecar(VigilConfig config, Clock clock, PrometheusMeterRegistry registry) {
    this.config = config;
    this.clock = clock;
    this.registry = registry;
    this.heapGuard = new HeapGuard(config.overload().heapShedPercent());
    this.health = new HealthAggregator(clock);
    this.shared = new SharedState(config, registry);
  }

  /** Starts every part; the returned future fails when a listener cannot bind. */
  public Future<Void> start(Vertx vertx) {
    this.vertx = vertx;
    var up = config.upstream();
    probe = new UpstreamProbe(vertx, up.resolve(up.health().path()), up.health().interval(), up.health().timeout(),
        up.health().unhealthyAfter(), clock);
    readiness.require("upstream", probe::reachable, "the app does not answer at " + probe.url());
    var m = config.metrics();
    metrics = new RequestMetrics(m.requestBuffer(), m.maxRoutes(), m.routePatterns(), clock::millis, registry,
        () -> runtime == null ? 0 : runtime.inFlight());
    registerUpstreamPoolGauges();
    keepAlive = new KeepAlive(vertx, config.keepalive(), clock, metrics::lastSuccessEpochMillis, registry);
    keepAlive.setLeaderCheck(shared::mayPing);
    if (config.memory().enabled()) {
      memory = new MemoryWatch(vertx, config.memory().watch(), clock, registry);
      memory.setOnSample(shared::saveMemorySample);
      readiness.require("memory", () -> !memory.unready(),
          "app memory is critical and memory.unreadyWhenCritical is set");
    }

    AdminRoutes admin = adminRoutes();
    registerHealth();
    HealthMeters.register(registry, probe::reachable,
        () -> memory == null ? "unknown" : memory.memoryState().label(), processStats::rssMiB);
    processStats.start(vertx, 5_000);
    heapGuard.refresh();
    housekeeping = vertx.setPeriodic(1_000, id -> {
      heapGuard.refresh();
      metrics.tick();
    });

    int loops = eventLoops();
    return shared.start(vertx, health::report)
        .compose(v -> {
          runtime = new ProxyRuntime(this::newObserver, admin, heapGuard::shedding, shared.admission());
          return probe.start();
        })
        .compose(v -> keepAlive.start())
        .compose(v -> memory == null ? Future.succeededFuture() : shared.loadMemoryHistory()
            .compose(samples -> {
              memory.preload(samples);
              return memory.start();
            }))
        .compose(v -> vertx.deployVerticle(() -> {
          ProxyVerticle p = new ProxyVerticle(config, runtime, loops);
          proxies.add(p);
          return p;
        }, new DeploymentOptions().setInstances(loops)))
        .compose(id -> {
          proxyDeployment = id;
          return startAdminListener(admin);
        });
  }

  /** One recorder per event loop: called by each proxy verticle as it starts, on its own thread. */
  private ExchangeObserver newObserver() {
    if (!config.metrics().enabled()) {
      return ExchangeObserver.NONE;
    }
    Shard shard = metrics.shard();
    return shard::record;
  }

  private void registerHealth() {
    String upstreamUrl = config.upstream().url().toString();
    health
        .add("proxy", this::proxyJson, this::proxyFindings)
        .add("upstream", () -> probe.toJson().put("url", upstreamUrl), this::upstreamFindings)
        .add("memory", this::memoryJson, this::memoryFindings)
        .add("keepalive", keepAlive::healthJson,
            () -> keepAlive.issues().stream().map(Finding::degraded).toList())
        .add("redis", shared::healthJson, shared::findings)
        .add("sidecar", this::sidecarJson, this::overloadFindings);
  }

  private List<Finding> upstreamFindings() {
    if (!probe.checked() || probe.reachable()) {
      return List.of();
    }
    int after = config.upstream().health().unhealthyAfter();
    String sentence = "the app does not answer its health check at " + probe.url() + " ("
        + probe.consecutiveFailures() + " failures in a row; last: " + probe.lastError() + ")";
    return List.of(probe.consecutiveFailures() >= after ? Finding.unhealthy(sentence) : Finding.degraded(sentence));
  }

  private JsonObject proxyJson() {
    return MetricsViews.proxy(metrics.snapshot(), runtime == null ? 0 : runtime.inFlight());
  }

  private List<Finding> proxyFindings() {
    ProxyStats stats = metrics.snapshot();
    double limit = config.health().errorRateDegraded();
    if (stats.errorRate1m() > limit) {
      return List.of(Finding.degraded(String.format(java.util.Locale.ROOT,
          "%.1f%% of requests in the last minute were answered 5xx (more than %.1f%%)",
          stats.errorRate1m() * 100, limit * 100)));
    }
    return List.of();
  }

  private void requests(io.vertx.core.http.HttpServerRequest req) {
    String param = req.getParam("limit");
    int limit = MetricsViews.DEFAULT_REQUESTS_LIMIT;
    if (param != null) {
      try {
        limit = Integer.parseInt(param.trim());
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 0) {
        ErrorReply.send(req, 400, "limit must be a whole number of 0 or more", false);
        return;
      }
    }
    AdminReplies.json(req, 200, MetricsViews.requests(metrics.recent(limit), metrics.capacity()));
  }

  private JsonObject memoryJson() {
    if (memory == null) {
      return new JsonObject().put("state", "unknown").put("enabled", false).put("source", null)
          .put("rss_mib", null).put("limit_mib", null).put("percent", null).put("trend_mib_per_hour", null)
          .put("projected_limit_in_s", null).put("samples", 0).put("last_sample", null);
    }
    return memory.healthJson();
  }

  /** Memory sentences weigh by state: critical makes the whole sidecar unhealthy, warning degraded. */
  private List<Finding> memoryFindings() {
    if (memory == null) {
      return List.of();
    }
    Finding.Level level = switch (memory.memoryState()) {
      case CRITICAL -> Finding.Level.UNHEALTHY;
      case WARNING -> Finding.Level.DEGRADED;
      default -> Finding.Level.HEALTHY;
    };
    return memory.issues().stream().map(sentence -> new Finding(level, sentence)).toList();
  }

  private List<Finding> overloadFindings() {
    if (!heapGuard.shedding()) {
      return List.of();
    }
    return List.of(Finding.degraded(String.format(java.util.Locale.ROOT,
        "Vigil is shedding load: its live heap is at %.0f%% (limit %.0f%%); new requests get 503",
        heapGuard.percent(), heapGuard.shedPercent())));
  }

  private JsonObject sidecarJson() {
    double rss = processStats.rssMiB();
    return new JsonObject()
        .put("heap_used_mib", round1(ProcessStats.heapUsedMiB()))
        .put("heap_live_percent", round1(heapGuard.percent()))
        .put("rss_mib", Double.isNaN(rss) ? null : round1(rss))
        .put("shedding", heapGuard.shedding())
        .put("buffers", new JsonObject()
            .put("requests", new JsonObject().put("size", metrics.snapshot().ringSize()).put("capacity", metrics.capacity()))
            .put("memory_samples", memory == null ? null : new JsonObject()
                .put("size", memory.samples().size()).put("capacity", config.memory().watch().history())));
  }

  private Future<Void> startAdminListener(AdminRoutes admin) {
    Integer port = config.admin().port();
    if (port == null) {
      return Future.succeededFuture();
    }
    adminServer = vertx.createHttpServer()
        .requestHandler(request -> {
          String path = PathNormalizer.forMatching(request.path());
          if (path != null && PathNormalizer.isUnder(path, config.admin().prefix())) {
            admin.handle(request, path, true);
          } else {
            ErrorReply.send(request, 404, "the admin listener serves only " + config.admin().prefix(), false);
          }
        });
    return adminServer.listen(port, config.listen().host()).mapEmpty();
  }

  private AdminRoutes adminRoutes() {
    DashboardAssets dashboard = new DashboardAssets();
    return new AdminRoutes(config.admin().prefix(), config.admin().token(), config.admin().port() != null)
        .get("", req -> {
          if (!req.path().endsWith("/")) {
            // The page uses relative URLs: /sidecar must become /sidecar/ first.
            req.response().setStatusCode(301).putHeader("location", config.admin().prefix()).end();
          } else {
            dashboard.page(req);
          }
        })
        .getTree("assets/", dashboard::asset)
        .get("health", req -> {
          JsonObject report = health.report();
          if ("fleet".equals(req.getParam("scope"))) {
            shared.fleetJson(report).onComplete(ar -> {
              if (ar.succeeded()) {
                AdminReplies.json(req, HealthAggregator.httpStatus(ar.result()), ar.result());
              } else {
                ErrorReply.send(req, 503, "fleet health unavailable: " + ar.cause().getMessage(), false);
              }
            });
            return;
          }
          AdminReplies.json(req, HealthAggregator.httpStatus(report), report);
        })
        .get("health/live", req -> AdminReplies.json(req, 200, new JsonObject().put("status", "UP")))
        .get("health/ready", req -> {
          boolean ready = readiness.ready();
          JsonObject body = new JsonObject().put("status", ready ? "UP" : "DOWN");
          if (!ready) {
            body.put("reasons", new JsonArray(readiness.reasons()));
          }
          AdminReplies.json(req, ready ? 200 : 503, body);
        })
        .get("memory", req -> {
          if (memory == null) {
            ErrorReply.send(req, 404, "memory watching is off (memory.enabled: false)", false);
          } else {
            AdminReplies.json(req, 200, memory.memoryJson());
          }
        })
        .post("memory/cleanup", req -> {
          if (memory == null) {
            ErrorReply.send(req, 409, "memory watching is off (memory.enabled: false)", false);
            return;
          }
          memory.cleanup().onComplete(ar -> {
            if (ar.succeeded()) {
              AdminReplies.json(req, 200, ar.result());
            } else {
              ErrorReply.send(req, 409, ar.cause().getMessage(), false);
            }
          });
        })
        .get("requests", this::requests)
        .get("metrics", req -> vertx.executeBlocking(registry::scrape, false).onComplete(ar -> {
          if (ar.succeeded()) {
            AdminReplies.text(req, 200, "text/plain; version=0.0.4; charset=utf-8", Buffer.buffer(ar.result()));
          } else {
            ErrorReply.send(req, 500, "metrics could not be rendered: " + ar.cause().getMessage(), false);
          }
        }));
  }

  /**
   * Graceful shutdown: readiness 503 at once, the listener stops accepting, in-flight requests get
   * up to {@code lifecycle.drainTimeout} to finish, then everything else stops.
   */
  public Future<Void> stop() {
    readiness.startDrain();
    Future<Void> drained = proxyDeployment == null ? Future.succeededFuture() : vertx.undeploy(proxyDeployment);
    List<Future<?>> rest = new ArrayList<>();
    return drained.eventually(() -> {
      if (housekeeping != -1) {
        vertx.cancelTimer(housekeeping);
      }
      processStats.stop(vertx);
      if (adminServer != null) {
        rest.add(adminServer.close());
      }
      if (keepAlive != null) {
        rest.add(keepAlive.stop());
      }
      if (probe != null) {
        rest.add(probe.stop());
      }
      if (memory != null) {
        rest.add(memory.stop());
      }
      rest.add(shared.stop(vertx));
      return Future.join(rest);
    }).mapEmpty();
  }

  /** The proxy listener's bound port (differs from the configured one when that is 0). */
  public int proxyPort() {
    return proxies.isEmpty() ? -1 : proxies.get(0).actualPort();
  }

  /** The admin listener's bound port, or -1 without one. */
  public int adminPort() {
    return adminServer == null ? -1 : adminServer.actualPort();
  }

  public Readiness readiness() {
    return readiness;
  }

  public HealthAggregator health() {
    return health;
  }

  /** The upstream pools' sizes, summed over event loops (refreshed by each pool's tick, at most 1 s old). */
  private void registerUpstreamPoolGauges() {
    if (registry == null) {
      return;
    }
    io.micrometer.core.instrument.Gauge.builder("vigil.upstream.connections", this,
            s -> s.runtime == null ? 0 : s.runtime.upstreamActive())
        .description("Upstream connections by state: active (leased or connecting) or idle in the pool")
        .tag("state", "active").strongReference(true).register(registry);
    io.micrometer.core.instrument.Gauge.builder("vigil.upstream.connections", this,
            s -> s.runtime == null ? 0 : s.runtime.upstreamIdle())
        .description("Upstream connections by state: active (leased or connecting) or idle in the pool")
        .tag("state", "idle").strongReference(true).register(registry);
    io.micrometer.core.instrument.Gauge.builder("vigil.upstream.pending", this,
            s -> s.runtime == null ? 0 : s.runtime.upstreamWaiting())
        .description("Requests waiting for an upstream connection (bounded by upstream.pool.waitQueue)")
        .strongReference(true).register(registry);
  }

  static int eventLoops() {
    return Math.max(1, Runtime.getRuntime().availableProcessors());
  }

  private static double round1(double v) {
    return Math.round(v * 10) / 10.0;
  }
}
