package dev.vigil;

import dev.vigil.admin.AdminApi;
import dev.vigil.app.recycle.Recycling;
import dev.vigil.app.AppRuntime;
import dev.vigil.admin.MetricsViews;
import dev.vigil.config.ConfigException;
import dev.vigil.config.VigilConfig;
import dev.vigil.health.HealthAggregator;
import dev.vigil.health.HealthFormats;
import dev.vigil.health.HealthMeters;
import dev.vigil.health.Readiness;
import dev.vigil.keepalive.KeepAlive;
import dev.vigil.memory.MemoryWatch;
import dev.vigil.memory.source.MemorySources;
import dev.vigil.metrics.RequestMetrics;
import dev.vigil.overload.HeapGuard;
import dev.vigil.overload.Overload;
import dev.vigil.proxy.ExchangeObserver;
import dev.vigil.proxy.ProxyRuntime;
import dev.vigil.proxy.ProxyVerticle;
import dev.vigil.proxy.UpstreamTarget;
import dev.vigil.upstream.UpstreamProbe;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The composition root: builds every concern in dependency order, hands each its collaborators
 * through its constructor, and owns their lifecycle (start in order; on shutdown turn readiness
 * off, drain the proxy listener, then stop the rest). It holds no rules of its own.
 */
public final class Sidecar {

  private final VigilConfig config;
  private final Clock clock;
  private final PrometheusMeterRegistry registry;
  private final Readiness readiness = new Readiness();
  private final HealthAggregator health;
  private final LongSupplier knownAppPid;
  private final List<String> runCommand;
  private final List<ProxyVerticle> proxies = new CopyOnWriteArrayList<>();
  private Parts parts;
  private String proxyDeployment;

  /** Everything {@link #start} builds, in the order it builds them. */
  private record Parts(Vertx vertx, SharedState shared, UpstreamProbe probe, AppRuntime app, RequestMetrics metrics,
                       KeepAlive keepAlive, MemoryWatch memory, Overload overload, AdminApi admin,
                       ProxyRuntime runtime, long ticker, Recycling recycling) {
  }

  /**
   * @param registry where Vigil's meters go; {@code /sidecar/metrics} renders it
   */
  public Sidecar(VigilConfig config, Clock clock, PrometheusMeterRegistry registry) {
    this(config, clock, registry, null, null);
  }

  /**
   * @param runCommand {@code vigil run -- COMMAND ARGS...}: Vigil starts the app as its child and keeps
   *     it alive ({@code app.*}); null for the sidecar mode (the app runs on its own)
   * @throws ConfigException when {@code memory.source} cannot work in this mode
   */
  public Sidecar(VigilConfig config, Clock clock, PrometheusMeterRegistry registry, List<String> runCommand) {
    this(config, clock, registry, runCommand, null);
  }

  /**
   * Sidecar mode with an app whose pid is known some other way (tests, or a wrapper that started
   * it): {@code memory.source} treats it as run mode's child.
   *
   * @param appPid the app's pid now (0 or less while there is none)
   */
  public Sidecar(VigilConfig config, Clock clock, PrometheusMeterRegistry registry, LongSupplier appPid) {
    this(config, clock, registry, null, appPid);
  }

  private Sidecar(VigilConfig config, Clock clock, PrometheusMeterRegistry registry, List<String> runCommand,
      LongSupplier knownAppPid) {
    boolean appPidKnown = runCommand != null || knownAppPid != null;
    String problem = MemorySources.problem(config.memory().source(), config.memory().processMatch(), appPidKnown);
    if (problem != null && config.memory().enabled()) {
      throw new ConfigException(List.of(problem));
    }
    this.runCommand = runCommand == null ? null : List.copyOf(runCommand);
    this.knownAppPid = knownAppPid;
    this.config = config;
    this.clock = clock;
    this.registry = registry;
    this.health = new HealthAggregator(clock);
  }

  /** Starts every part; the returned future fails when a listener cannot bind. */
  public Future<Void> start(Vertx vertx) {
    var up = config.upstream();
    var shared = new SharedState(vertx, config, registry);
    var probe = new UpstreamProbe(vertx, up.url(), up.resolve(up.health().path()), up.health().interval(),
        up.health().timeout(), up.health().unhealthyAfter(), clock);
    var target = new UpstreamTarget();
    var wiring = new AppWiring(vertx, config, clock, registry, runCommand);
    var app = wiring.app(probe::reachable, target);
    var inFlight = new AtomicInteger();
    var m = config.metrics();
    var metrics = new RequestMetrics(m.requestBuffer(), m.maxRoutes(), m.routePatterns(), clock::millis, registry,
        inFlight::get);
    var keepAlive = new KeepAlive(vertx, config.keepalive(), clock, metrics::lastSuccessEpochMillis, registry,
        shared::mayPing);
    LongSupplier appPid = runCommand != null ? () -> Math.max(0, app.pid()) : knownAppPid;
    var memory = wiring.memory(shared::saveMemorySample, appPid, metrics);
    var overload = new Overload(new HeapGuard(config.overload().heapShedPercent()), () -> buffersJson(metrics, memory));
    var recycling = wiring.recycling(shared, memory, inFlight, app);
    var admin = new AdminApi(vertx, new AdminApi.Parts(config.admin(), config.listen().host(), health,
        new HealthFormats(up.health().unhealthyAfter(), config.health().errorRateDegraded()), readiness,
        shared::fleetJson, memory, metrics, registry), AppWiring.control(recycling));
    var runtime = new ProxyRuntime(inFlight, observers(metrics), admin.endpoint(), overload::shedding,
        shared.admission(), app.gate(), target);
    if (registry != null) {
      runtime.registerPoolGauges(registry);
    }

    if (runCommand == null) {
      readiness.require("upstream", probe::reachable, "the app does not answer at " + probe.url());
    } else {
      // Held requests wait for a restarting child, so only the first start (or a child that will not
      // be restarted) takes Vigil out of rotation.
      readiness.require("app", app::ready, "the app has not answered " + up.health().path() + " yet, or ended for good");
    }
    if (recycling != null && runCommand == null) { // run mode moves or holds traffic instead
      readiness.require("recycle", () -> !recycling.unready(),
          "a recycle of the app is due: traffic goes elsewhere while it finishes its requests");
    }
    if (memory != null) {
      readiness.require("memory", () -> !memory.unready(),
          "app memory is critical and memory.unreadyWhenCritical is set");
    }
    double errorRate = config.health().errorRateDegraded();
    health
        .add("proxy", () -> MetricsViews.proxy(metrics.snapshot(), runtime.inFlight()),
            () -> metrics.snapshot().findings(errorRate))
        .add("upstream", probe::healthJson, probe::findings)
        .add("app", AppWiring.healthJson(app, recycling), AppWiring.findings(app, recycling))
        .add("memory", memory == null ? MemoryWatch::disabledHealthJson : memory::healthJson,
            memory == null ? List::of : memory::findings)
        .add("keepalive", keepAlive::healthJson, keepAlive::findings)
        .add("redis", shared::healthJson, shared::findings)
        .add("sidecar", overload::healthJson, overload::findings);

    HealthMeters.register(registry, probe::reachable,
        () -> memory == null ? "unknown" : memory.memoryState().label(), overload::rssMiB);
    app.registerMeters(registry);
    overload.start(vertx);
    long ticker = vertx.setPeriodic(1_000, id -> metrics.tick());
    parts = new Parts(vertx, shared, probe, app, metrics, keepAlive, memory, overload, admin, runtime, ticker,
        recycling);

    int loops = eventLoops();
    return shared.start(health::report)
        .compose(v -> app.start())
        .compose(v -> probe.start())
        .compose(v -> keepAlive.start())
        .compose(v -> memory == null ? Future.succeededFuture() : shared.loadMemoryHistory()
            .compose(samples -> {
              memory.preload(samples);
              return memory.start();
            }))
        .compose(v -> recycling == null ? Future.succeededFuture() : recycling.start())
        .compose(v -> vertx.deployVerticle(() -> {
          ProxyVerticle p = new ProxyVerticle(config, runtime, loops);
          proxies.add(p);
          return p;
        }, new DeploymentOptions().setInstances(loops)))
        .compose(id -> {
          proxyDeployment = id;
          return admin.listen();
        });
  }

  /** One recorder per event loop: called by each proxy verticle as it starts, on its own thread. */
  private java.util.function.Supplier<ExchangeObserver> observers(RequestMetrics metrics) {
    if (!config.metrics().enabled()) {
      return () -> ExchangeObserver.NONE;
    }
    return () -> metrics.shard()::record;
  }

  /** Sizes of Vigil's bounded buffers, for the health document's {@code sidecar} block. */
  private JsonObject buffersJson(RequestMetrics metrics, MemoryWatch memory) {
    return new JsonObject()
        .put("requests", new JsonObject().put("size", metrics.snapshot().ringSize()).put("capacity", metrics.capacity()))
        .put("memory_samples", memory == null ? null : new JsonObject()
            .put("size", memory.samples().size()).put("capacity", config.memory().watch().history()));
  }

  /**
   * Graceful shutdown: readiness 503 at once, the listener stops accepting, in-flight requests get
   * up to {@code lifecycle.drainTimeout} to finish, then everything else stops.
   */
  public Future<Void> stop() {
    readiness.startDrain();
    Parts p = parts;
    if (p == null) {
      return Future.succeededFuture();
    }
    Future<Void> drained = proxyDeployment == null ? Future.succeededFuture() : p.vertx().undeploy(proxyDeployment);
    // The child stops after the drain (its in-flight requests finished) and before the rest.
    return drained.eventually(() -> p.app().stop()).eventually(() -> {
      p.vertx().cancelTimer(p.ticker());
      p.overload().stop(p.vertx());
      return Future.join(p.admin().close(), p.keepAlive().stop(), p.probe().stop(),
          p.recycling() == null ? Future.succeededFuture() : p.recycling().stop(),
          p.memory() == null ? Future.succeededFuture() : p.memory().stop(), p.shared().stop());
    }).mapEmpty();
  }

  /** The proxy listener's bound port (differs from the configured one when that is 0). */
  public int proxyPort() {
    return proxies.isEmpty() ? -1 : proxies.get(0).actualPort();
  }

  /** The admin listener's bound port, or -1 without one. */
  public int adminPort() {
    return parts == null ? -1 : parts.admin().port();
  }

  /** The proxy's shared runtime (its switchable upstream target, for a recycle), or null before start. */
  public ProxyRuntime proxyRuntime() {
    return parts == null ? null : parts.runtime();
  }

  /**
   * The app in either mode; {@code app()::pid} is the running child's pid (-1 when none). Null
   * before {@link #start}.
   */
  public AppRuntime app() {
    return parts == null ? null : parts.app();
  }

  public Readiness readiness() {
    return readiness;
  }

  public HealthAggregator health() {
    return health;
  }

  static int eventLoops() {
    return Math.max(1, Runtime.getRuntime().availableProcessors());
  }
}
