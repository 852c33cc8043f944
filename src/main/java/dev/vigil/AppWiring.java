package dev.vigil;

import dev.vigil.admin.AppControl;
import dev.vigil.app.AppChildren;
import dev.vigil.app.AppOptions;
import dev.vigil.app.AppRuntime;
import dev.vigil.app.AppSupervisor;
import dev.vigil.app.HoldGate;
import dev.vigil.app.reap.JavaChildren;
import dev.vigil.app.recycle.MemoryView;
import dev.vigil.app.recycle.Recycler;
import dev.vigil.app.recycle.Recycling;
import dev.vigil.config.VigilConfig;
import dev.vigil.health.Finding;
import dev.vigil.memory.MemorySample;
import dev.vigil.memory.MemoryState;
import dev.vigil.memory.MemoryWatch;
import dev.vigil.memory.attribution.LeakAttribution;
import dev.vigil.memory.attribution.RouteCounts;
import dev.vigil.memory.diagnostics.Diagnostics;
import dev.vigil.memory.source.MemorySources;
import dev.vigil.metrics.RequestMetrics;
import dev.vigil.proxy.UpstreamTarget;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The part of the composition root that builds the app and its memory: the app in either mode
 * (with run mode's children, one supervisor or a recycler), the memory watch with its source,
 * attribution and diagnostics, and recycling. {@link Sidecar} calls these in dependency order.
 */
final class AppWiring {

  private final Vertx vertx;
  private final VigilConfig config;
  private final Clock clock;
  private final PrometheusMeterRegistry registry;
  private final List<String> runCommand; // null in sidecar mode

  AppWiring(Vertx vertx, VigilConfig config, Clock clock, PrometheusMeterRegistry registry, List<String> runCommand) {
    this.vertx = vertx;
    this.config = config;
    this.clock = clock;
    this.registry = registry;
    this.runCommand = runCommand;
  }

  /** The app: run mode's supervised child (or its recycler), or sidecar mode's view of the upstream. */
  AppRuntime app(BooleanSupplier upstreamUp, UpstreamTarget target) {
    if (runCommand == null) {
      return AppRuntime.sidecar(upstreamUp, clock);
    }
    var run = config.app().run();
    return AppRuntime.run(vertx, run.holdMaxRequests(), run.holdTimeout(), clock,
        (gate, started) -> children(gate, started, target));
  }

  /**
   * Run mode's children: one supervisor, or with {@code recycle.enabled} a recycler that replaces it
   * (a new child on a free port, the proxy's target switched to it). A new child must answer within
   * {@code app.hold.timeout}, the longest a held request waits anyway.
   */
  private AppChildren children(HoldGate gate, JavaChildren started, UpstreamTarget target) {
    AppSupervisor first = new AppSupervisor(vertx, appOptions(config.app().run().port()), clock, started);
    if (!config.recycle().enabled() || !config.memory().enabled()) {
      return AppChildren.of(first);
    }
    var timing = new Recycler.Timing(config.lifecycle().drainTimeout(), config.app().run().holdTimeout(),
        config.recycle().baselineAfter());
    return new Recycler(vertx, first, port -> new AppSupervisor(vertx, appOptions(port), clock, started), target,
        gate, timing, clock, gate::failedTotal);
  }

  /** {@code app.*} as the supervisor's options; the health path is {@code upstream.health.path}. */
  private AppOptions appOptions(int port) {
    var run = config.app().run();
    return AppOptions.of(runCommand, port)
        .withPolicy(run.policy())
        .withBackoff(run.backoff(), run.maxBackoff())
        .withStopTimeout(run.stopTimeout())
        .withHealth(config.upstream().health().path(), AppOptions.DEFAULT_HEALTH_INTERVAL,
            config.upstream().health().timeout());
  }

  /**
   * The memory watch ({@code memory.enabled}), or null: its source ({@code memory.source}, following
   * the app's pid), route attribution from the request counters, and the diagnostics hook.
   */
  MemoryWatch memory(Consumer<MemorySample> onSample, LongSupplier appPid, RequestMetrics metrics) {
    var memory = config.memory();
    if (!memory.enabled()) {
      return null;
    }
    var attribution = new LeakAttribution(RouteCounts.of(metrics.routeRequestSlots(), metrics::routeRequests,
        metrics::slotRoute, metrics::slotMethod), memory.watch().history(), memory.watch().trendWindow(), registry);
    var diagnostics = memory.diagnostics().url() == null ? null
        : new Diagnostics(vertx, memory.diagnostics().url(), memory.diagnostics().timeout(), clock);
    return new MemoryWatch(vertx, memory.watch(), clock, registry, onSample,
        MemorySources.create(vertx, memory.source(), memory.processMatch(), appPid), attribution, diagnostics);
  }

  /**
   * Recycling ({@code recycle.enabled}; needs memory watching), or null. Run mode: the
   * {@link Recycler} that {@link #children} built replaces the child (overlap or hold). Sidecar mode:
   * readiness off, drain, then app-live 503 so that kubelet restarts the app container.
   */
  Recycling recycling(SharedState shared, MemoryWatch memory, AtomicInteger inFlight, AppRuntime app) {
    if (!config.recycle().enabled() || memory == null) {
      return null;
    }
    var watch = config.memory().watch();
    var up = config.upstream();
    return new Recycling(new Recycling.Parts(vertx, config.recycle(), clock, () -> MemoryView.of(memory.memoryJson()),
        watch.cleanupUrl() == null ? null : memory::cleanup, shared.recycleLease(), SharedState.TTL,
        app.children() instanceof Recycler r ? r : null,
        inFlight::get, Recycling.probe(vertx, up.resolve(up.health().path()), up.health().timeout()),
        watch.pollInterval(), config.lifecycle().drainTimeout(), Recycling.DEFAULT_RESTART_WAIT, registry,
        config.recycle().at() == MemoryState.WARNING ? watch.warnPercent() : watch.criticalPercent(),
        () -> memory.diagnostics(Diagnostics.RECYCLE)));
  }

  /** What the admin endpoints app-live and app/recycle act on. */
  static AppControl control(Recycling recycling) {
    if (recycling == null) {
      return AppControl.NONE;
    }
    return new AppControl() {
      @Override
      public boolean appLive() {
        return recycling.appLive();
      }

      @Override
      public Future<JsonObject> recycleNow() {
        return recycling.recycleNow();
      }
    };
  }

  /** The health {@code app} block, with the recycles when recycling is on. */
  static Supplier<JsonObject> healthJson(AppRuntime app, Recycling recycling) {
    return recycling == null ? app::healthJson : () -> app.healthJson().put("recycles", recycling.healthJson());
  }

  static Supplier<List<Finding>> findings(AppRuntime app, Recycling recycling) {
    if (recycling == null) {
      return app::findings;
    }
    return () -> {
      List<Finding> out = new ArrayList<>(app.findings());
      out.addAll(recycling.findings());
      return out;
    };
  }
}
