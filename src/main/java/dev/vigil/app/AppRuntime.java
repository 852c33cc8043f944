package dev.vigil.app;

import dev.vigil.health.Finding;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * The app as the rest of Vigil sees it, in either mode.
 *
 * <ul>
 *   <li>{@code run} ({@code vigil run -- CMD}): an {@link AppSupervisor} owns the child and a
 *       {@link HoldGate} holds requests while no healthy child is there (open on {@code up},
 *       closed the moment the child's process is gone).</li>
 *   <li>{@code sidecar}: Vigil does not own the app; the block and meters still exist (pid null,
 *       {@code up} = the upstream health check) so that dashboards always find them.</li>
 * </ul>
 *
 * <p>It produces the health {@code app} block, its findings (one plain sentence per recent restart)
 * and {@code vigil_app_up}, {@code vigil_app_restarts_total{reason}}, {@code vigil_app_held_requests}.
 *
 * <p>Threading: listener callbacks run on the supervisor's context; the read side is safe from any
 * thread, without locks (the restart notes are an immutable list, replaced on each restart).
 */
public final class AppRuntime implements AppListener {

  /** A restart stays in {@code issues} this long. */
  public static final Duration RECENT = Duration.ofHours(1);
  /** At most this many restart sentences are kept (a crash loop must not grow the list). */
  static final int MAX_NOTES = 5;

  private static final DateTimeFormatter HH_MM = DateTimeFormatter.ofPattern("HH:mm", Locale.ROOT)
      .withZone(ZoneOffset.UTC);

  private final AppSupervisor supervisor;
  private final HoldGate gate;
  private final BooleanSupplier upstreamUp;
  private final Clock clock;
  private volatile List<Note> notes = List.of(); // at most MAX_NOTES, oldest first
  private volatile boolean everUp;
  private volatile boolean stopping;
  // On the supervisor's context: the gate's totals when the last two children came up, so a
  // restart's sentence counts what waited and failed between them (failures of the dying child's
  // in-flight requests can be seen before its exit is).
  private long waitedAtUp;
  private long failedAtUp;
  private long waitedAtPreviousUp;
  private long failedAtPreviousUp;

  private record Note(Instant at, String sentence) {
  }

  private AppRuntime(AppSupervisor supervisor, HoldGate gate, BooleanSupplier upstreamUp, Clock clock) {
    this.supervisor = supervisor;
    this.gate = gate;
    this.upstreamUp = upstreamUp;
    this.clock = clock;
    if (supervisor != null) {
      supervisor.addListener(this);
    }
  }

  /** Run mode: a supervised child and a hold gate ({@code app.hold.maxRequests}, {@code app.hold.timeout}). */
  public static AppRuntime run(Vertx vertx, AppOptions opts, int holdMaxRequests, Duration holdTimeout, Clock clock) {
    return new AppRuntime(new AppSupervisor(vertx, opts, clock), new HoldGate(vertx, holdMaxRequests, holdTimeout),
        () -> false, clock);
  }

  /** Sidecar mode: {@code upstreamUp} is the upstream health check. */
  public static AppRuntime sidecar(BooleanSupplier upstreamUp, Clock clock) {
    return new AppRuntime(null, null, upstreamUp, clock);
  }

  /** {@code run} or {@code sidecar}. */
  public String mode() {
    return supervisor == null ? "sidecar" : "run";
  }

  /** The gate requests pass in run mode; null in sidecar mode. */
  public HoldGate gate() {
    return gate;
  }

  /** The supervisor in run mode; null in sidecar mode. */
  public AppSupervisor supervisor() {
    return supervisor;
  }

  /**
   * The running child's pid (its process group leader), or -1 between children and in sidecar
   * mode. {@code runtime::pid} is the {@code LongSupplier} a process-tree memory source reads.
   */
  public long pid() {
    return supervisor == null ? -1 : supervisor.pid().orElse(-1L);
  }

  /** Run mode: the child answered its health path and has not died since; sidecar: the upstream check. */
  public boolean up() {
    return supervisor == null ? upstreamUp.getAsBoolean() : supervisor.state() == AppState.UP;
  }

  /**
   * For readiness in run mode: the first child answered its health path and a child is or will be
   * running (during a restart requests are held, not refused, so the pod stays ready).
   */
  public boolean ready() {
    return supervisor == null || everUp && supervisor.state() != AppState.STOPPED;
  }

  /** Starts the first child (run mode); completes once it runs. */
  public Future<Void> start() {
    return supervisor == null ? Future.succeededFuture() : supervisor.start();
  }

  /** Completes when the first child answers its health path (at once in sidecar mode). */
  public Future<Void> firstUp() {
    return supervisor == null ? Future.succeededFuture() : supervisor.firstUp();
  }

  /** SIGTERM to the child's group, SIGKILL after {@code app.stopTimeout}; completes once it is gone. */
  public Future<Void> stop() {
    stopping = true;
    return supervisor == null ? Future.succeededFuture() : supervisor.stop().mapEmpty();
  }

  // ---- events (on the supervisor's context) ----

  @Override
  public void stateChanged(AppState from, AppState to) {
    if (to == AppState.UP) {
      everUp = true;
      waitedAtPreviousUp = waitedAtUp;
      failedAtPreviousUp = failedAtUp;
      waitedAtUp = gate.waitedTotal();
      failedAtUp = gate.failedTotal();
      gate.open();
    } else {
      gate.close();
    }
  }

  @Override
  public void gone(long pid) {
    gate.close(); // before the exit is classified: new requests wait from now on
  }

  @Override
  public void restarted(AppRestart r) {
    // Called just after the new child's stateChanged(UP).
    long waited = waitedAtUp - waitedAtPreviousUp;
    long failed = failedAtUp - failedAtPreviousUp;
    String sentence = restartSentence(r, waited, failed);
    List<Note> next = new ArrayList<>(notes);
    if (next.size() == MAX_NOTES) {
      next.remove(0);
    }
    next.add(new Note(clock.instant(), sentence));
    notes = List.copyOf(next);
  }

  /**
   * "the app was killed by the OOM killer at 14:02 (limit 512 MiB) and restarted in 2.1 s; 37
   * requests waited, none failed". Times are UTC, like the health document's timestamp.
   */
  static String restartSentence(AppRestart r, long waited, long failed) {
    AppExit e = r.exit();
    String what = e.oomKilled()
        ? "was killed by the OOM killer at " + HH_MM.format(e.t())
            + (e.limitBytes() == null ? "" : " (limit " + mib(e.limitBytes()) + " MiB)")
        : e.signal() != null
            ? "was ended by " + e.status() + " at " + HH_MM.format(e.t())
            : "exited with " + e.status() + " at " + HH_MM.format(e.t());
    String took = String.format(Locale.ROOT, "%.1f", r.timeToHealthy().toMillis() / 1000.0);
    String requests = waited == 0 ? "no request had to wait"
        : waited + (waited == 1 ? " request" : " requests") + " waited, "
            + (failed == 0 ? "none failed" : failed + " failed");
    if (waited == 0 && failed > 0) {
      requests = failed + (failed == 1 ? " request" : " requests") + " failed";
    }
    return "the app " + what + " and restarted in " + took + " s; " + requests;
  }

  private static long mib(long bytes) {
    return Math.round(bytes / 1048576.0);
  }

  // ---- read side (any thread) ----

  /** The health document's {@code app} block (see the contract, "Keeping the app alive"). */
  public JsonObject healthJson() {
    JsonObject restarts = new JsonObject().put("crash", 0L).put("oom_killed", 0L);
    JsonObject last = null;
    String state;
    Long pid = null;
    if (supervisor != null) {
      supervisor.restarts().forEach(restarts::put);
      AppRestart r = supervisor.lastRestart();
      if (r != null) {
        last = new JsonObject()
            .put("t", r.t().truncatedTo(ChronoUnit.SECONDS).toString())
            .put("reason", r.reason())
            .put("exit", r.exit().status())
            .put("restarted_in_s", Math.round(r.timeToHealthy().toMillis() / 100.0) / 10.0);
      }
      state = supervisor.state().label();
      long p = pid();
      pid = p < 0 ? null : p;
    } else {
      state = upstreamUp.getAsBoolean() ? AppState.UP.label() : AppState.STOPPED.label();
    }
    return new JsonObject()
        .put("mode", mode())
        .put("pid", pid)
        .put("state", state)
        .put("restarts", restarts)
        .put("last_restart", last)
        .put("held_requests", gate == null ? 0 : gate.held())
        // Filled by the recycle policy (issue 14); present now so clients can rely on the shape.
        .put("recycles", new JsonObject().put("total", 0).put("last", (Object) null));
  }

  /** A sentence per recent restart, and what is wrong while no healthy child is there. */
  public List<Finding> findings() {
    if (supervisor == null) {
      return List.of(); // the upstream block already speaks for an app Vigil does not own
    }
    List<Finding> out = new ArrayList<>(MAX_NOTES + 1);
    Instant cutoff = clock.instant().minus(RECENT);
    for (Note n : notes) {
      if (n.at().isAfter(cutoff)) {
        out.add(Finding.note(n.sentence()));
      }
    }
    AppExit exit = supervisor.lastExit();
    int held = gate.held();
    String waiting = held == 0 ? "" : "; " + held + (held == 1 ? " request is" : " requests are") + " waiting";
    switch (supervisor.state()) {
      case STARTING -> out.add(Finding.degraded("the app is starting: it has not answered its health path yet"
          + waiting));
      case RESTARTING -> out.add(Finding.degraded("the app " + (exit == null ? "could not be started"
          : exit.oomKilled() ? "was killed by the OOM killer at " + HH_MM.format(exit.t())
          : "ended with " + exit.status() + " at " + HH_MM.format(exit.t())) + " and is being restarted" + waiting));
      case STOPPED -> {
        if (!stopping) {
          out.add(Finding.unhealthy("the app ended" + (exit == null ? "" : " with " + exit.status() + " at "
              + HH_MM.format(exit.t())) + " and app.restart.policy does not restart it"));
        }
      }
      default -> { }
    }
    return out;
  }

  /**
   * {@code vigil_app_up}, {@code vigil_app_restarts_total{reason}} (crash and oom_killed from 0) and
   * {@code vigil_app_held_requests}, in both modes. Each reads a value already kept: no I/O on scrape.
   */
  public void registerMeters(MeterRegistry registry) {
    if (registry == null) {
      return;
    }
    Gauge.builder("vigil.app.up", this, a -> a.up() ? 1 : 0)
        .description("1 while the app is up: run mode, the child answered its health path; sidecar mode, the"
            + " upstream health check passes")
        .strongReference(true).register(registry);
    for (String reason : List.of("crash", "oom_killed")) {
      FunctionCounter.builder("vigil.app.restarts", this,
              a -> a.supervisor == null ? 0 : a.supervisor.restarts().getOrDefault(reason, 0L))
          .description("Restarts of the app by reason (run mode; always 0 in sidecar mode)")
          .tag("reason", reason).register(registry);
    }
    Gauge.builder("vigil.app.held.requests", this, a -> a.gate == null ? 0 : a.gate.held())
        .description("Requests waiting for the app to come back (bounded by app.hold.maxRequests)")
        .strongReference(true).register(registry);
  }
}
