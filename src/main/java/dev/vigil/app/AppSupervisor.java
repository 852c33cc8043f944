package dev.vigil.app;

import dev.vigil.memory.source.CgroupMemory;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Runs one app as a child process and keeps it running: {@code vigil run -- COMMAND ARGS}.
 *
 * <p>The child is started through {@code setsid}, so it leads its own process group (pid == pgid)
 * and every signal goes to the whole group (a gunicorn master and its workers). It gets its port in
 * {@code PORT} and in every {@code {port}} of its arguments, inherits Vigil's stdout and stderr, and
 * its {@code oom_score_adj} is raised so that the kernel kills it, not Vigil. It is {@code up} once
 * its health path answers 200 (polled with Vert.x's client). When it exits on its own the exit is
 * classified (exit code, signal, OOM kill: SIGKILL while its memory cgroup's {@code oom_kill} count
 * rose), leftovers of its group are killed, and it is restarted per {@link RestartPolicy} after a
 * doubling back-off.
 *
 * <p>Usage: {@code new AppSupervisor(vertx, opts, clock)}, {@link #addListener}, {@link #start()},
 * {@link #firstUp()} to wait for readiness, {@link #stop()} on shutdown.
 *
 * <p>Threading: all decisions run on the Vert.x context that called {@link #start()}; listeners are
 * called there. Starting processes, signalling and {@code /proc} access go through
 * {@code executeBlocking}; exits are seen through {@link Process#onExit()}. Getters are safe from
 * any thread.
 */
public final class AppSupervisor {

  private static final System.Logger LOG = System.getLogger(AppSupervisor.class.getName());

  private final Vertx vertx;
  private final AppOptions opts;
  private final Clock clock;
  private final Backoff backoff;
  private final HttpClientAgent http;
  private final List<AppListener> listeners = new CopyOnWriteArrayList<>();
  private final Promise<Void> firstUp = Promise.promise();
  private final Promise<AppExit> stopped = Promise.promise();
  private final AtomicLong crashes = new AtomicLong();
  private final AtomicLong oomKills = new AtomicLong();

  // Read from any thread, written on the context.
  private volatile AppState state = AppState.STOPPED;
  private volatile long pid = -1;
  private volatile AppExit lastExit;
  private volatile AppRestart lastRestart;

  // Only touched on the context.
  private Context context;
  private Child child;
  private boolean spawning;
  private boolean stopping;
  private long restartTimer = -1;
  private AppExit pendingExit;
  private Duration pendingBackoff;

  /** One started process. */
  private static final class Child {
    final Process process;
    final long pid;
    final Instant startedAt;
    CgroupMemory cgroup;
    long oomBaseline = -1;
    boolean exited;
    boolean stopRequested;
    long healthTimer = -1;
    long killTimer = -1;

    Child(Process process, Instant startedAt) {
      this.process = process;
      this.pid = process.pid();
      this.startedAt = startedAt;
    }
  }

  /**
   * @param vertx  timers, blocking executor and the health client
   * @param opts   frozen settings
   * @param clock  timestamps of exits and restarts
   */
  public AppSupervisor(Vertx vertx, AppOptions opts, Clock clock) {
    this.vertx = vertx;
    this.opts = opts;
    this.clock = clock;
    this.backoff = new Backoff(opts.backoff(), opts.maxBackoff(), opts.resetAfter());
    // No keep-alive: a connection to a dead child must never be reused for the next child's health.
    long timeout = opts.healthTimeout().toMillis();
    this.http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(false)
            .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeout)),
        new PoolOptions().setHttp1MaxSize(1).setMaxWaitQueueSize(2));
  }

  /** Adds a listener (before {@link #start()} to see every event). */
  public AppSupervisor addListener(AppListener l) {
    listeners.add(l);
    return this;
  }

  /** Starts the first child; completes once it runs (see {@link #firstUp()} for healthy). */
  public Future<Void> start() {
    Promise<Void> started = Promise.promise();
    synchronized (this) {
      if (context != null) {
        return Future.failedFuture(new IllegalStateException("app supervisor already started"));
      }
      context = vertx.getOrCreateContext();
    }
    context.runOnContext(v -> {
      setState(AppState.STARTING);
      spawn().onComplete(started);
    });
    return started.future();
  }

  /** Completes the first time a child answers its health path with 200. */
  public Future<Void> firstUp() {
    return firstUp.future();
  }

  /**
   * Stops for good: SIGTERM to the child's process group, SIGKILL to the group after
   * {@code stopTimeout}. Completes with the child's exit once it is gone (null if none ran).
   */
  public Future<AppExit> stop() {
    Context ctx;
    synchronized (this) {
      ctx = context;
    }
    if (ctx == null) {
      return Future.succeededFuture();
    }
    ctx.runOnContext(v -> {
      stopping = true;
      if (restartTimer >= 0) {
        vertx.cancelTimer(restartTimer);
        restartTimer = -1;
      }
      if (child != null) {
        terminate(child);
      } else if (!spawning) {
        finish(null);
      }
    });
    return stopped.future();
  }

  // ---- read side (any thread) ----

  public AppState state() {
    return state;
  }

  /** The running child's pid (== its process group), or empty between children. */
  public Optional<Long> pid() {
    long p = pid;
    return p < 0 ? Optional.empty() : Optional.of(p);
  }

  /** The port the child listens on. */
  public int port() {
    return opts.port();
  }

  /** Restarts so far by reason: {@code {"crash": n, "oom_killed": n}}. */
  public Map<String, Long> restarts() {
    Map<String, Long> m = new LinkedHashMap<>();
    m.put("crash", crashes.get());
    m.put("oom_killed", oomKills.get());
    return m;
  }

  /** The last exit of a child (also one that was asked to stop), or null. */
  public AppExit lastExit() {
    return lastExit;
  }

  /** The last completed restart (the new child answered 200), or null. */
  public AppRestart lastRestart() {
    return lastRestart;
  }

  // ---- lifecycle (on the context) ----

  private Future<Void> spawn() {
    spawning = true;
    return vertx.executeBlocking(this::launch, false)
        .onComplete(ar -> spawning = false)
        .map(c -> {
          child = c;
          pid = c.pid;
          emit(l -> l.started(c.pid));
          c.process.onExit().whenComplete((p, err) -> context.runOnContext(v -> exited(c)));
          if (stopping) {
            terminate(c);
          } else {
            pollHealth(c);
          }
          return (Void) null;
        })
        .onFailure(err -> {
          LOG.log(System.Logger.Level.ERROR, "cannot start the app " + opts.command() + ": " + err.getMessage());
          if (stopping) {
            finish(null);
          } else {
            // Treated as a crash at once (as a missing program under setsid would be): back off and retry.
            afterExit(new AppExit(clock.instant(), -1, 127, null, false, false, Duration.ZERO, null));
          }
        });
  }

  /** Blocking: starts the process, raises its OOM score, notes its memory cgroup and OOM count. */
  private Child launch() throws IOException {
    ProcessBuilder pb = new ProcessBuilder(opts.argv()).inheritIO();
    pb.environment().putAll(opts.env());
    pb.environment().put("PORT", Integer.toString(opts.port()));
    if (opts.directory() != null) {
      pb.directory(opts.directory().toFile());
    }
    Child c = new Child(pb.start(), clock.instant());
    if (opts.oomScoreAdj() != null) {
      ProcessGroups.setOomScoreAdj(c.pid, opts.oomScoreAdj());
    }
    noteCgroup(c);
    return c;
  }

  /** Blocking: the child's memory cgroup and its OOM kill count now (the baseline for classifying a SIGKILL). */
  private static void noteCgroup(Child c) {
    try {
      Optional<CgroupMemory> cg = CgroupMemory.ofPid(c.pid);
      if (cg.isPresent()) {
        long kills = cg.get().oomKills();
        synchronized (c) {
          c.cgroup = cg.get();
          c.oomBaseline = kills;
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.log(System.Logger.Level.DEBUG, "memory cgroup of " + c.pid + " not readable: " + e);
    }
  }

  private void pollHealth(Child c) {
    if (c.exited || stopping || c != child) {
      return;
    }
    RequestOptions ro = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(opts.port())
        .setURI(opts.healthPath()).setTimeout(opts.healthTimeout().toMillis())
        .putHeader("user-agent", "vigil-probe");
    http.request(ro)
        .compose(req -> req.send())
        .compose(resp -> {
          resp.handler(b -> { }); // the body is not needed: drain it without keeping it
          return resp.end().map(v -> resp.statusCode());
        })
        .onComplete(ar -> {
          if (c.exited || stopping || c != child) {
            return;
          }
          if (ar.succeeded() && ar.result() == 200) {
            becameUp(c);
          } else {
            c.healthTimer = vertx.setTimer(opts.healthInterval().toMillis(), id -> pollHealth(c));
          }
        });
  }

  private void becameUp(Child c) {
    setState(AppState.UP);
    firstUp.tryComplete();
    if (pendingExit != null) {
      AppRestart r = new AppRestart(pendingExit, pendingBackoff, c.pid,
          Duration.between(pendingExit.t(), clock.instant()));
      pendingExit = null;
      lastRestart = r;
      emit(l -> l.restarted(r));
    }
    // The app may have moved itself into another cgroup and forked workers since it started: note
    // the cgroup again and raise the workers' OOM score too.
    vertx.executeBlocking(() -> {
      noteCgroup(c);
      if (opts.oomScoreAdj() != null) {
        c.process.descendants().forEach(d -> ProcessGroups.setOomScoreAdj(d.pid(), opts.oomScoreAdj()));
      }
      return null;
    }, false);
  }

  private void terminate(Child c) {
    if (c.stopRequested || c.exited) {
      return;
    }
    c.stopRequested = true;
    vertx.executeBlocking(() -> ProcessGroups.signal(c.pid, "TERM"), false);
    c.killTimer = vertx.setTimer(opts.stopTimeout().toMillis(), id -> {
      if (!c.exited) {
        LOG.log(System.Logger.Level.WARNING, "the app (pid " + c.pid + ") did not exit within "
            + opts.stopTimeout().toMillis() + " ms of SIGTERM; sending SIGKILL to its process group");
        vertx.executeBlocking(() -> ProcessGroups.signal(c.pid, "KILL"), false);
      }
    });
  }

  private void exited(Child c) {
    if (c.exited) {
      return;
    }
    c.exited = true;
    emit(l -> l.gone(c.pid));
    if (c.healthTimer >= 0) {
      vertx.cancelTimer(c.healthTimer);
    }
    if (c.killTimer >= 0) {
      vertx.cancelTimer(c.killTimer);
    }
    Instant at = clock.instant();
    int value = c.process.exitValue();
    boolean requested = c.stopRequested;
    vertx.executeBlocking(() -> {
      boolean oom = false;
      Long limit = null;
      if (value == 128 + 9 && !requested) {
        synchronized (c) {
          oom = c.cgroup != null && c.oomBaseline >= 0 && c.cgroup.oomKills() > c.oomBaseline;
          limit = oom ? c.cgroup.read().limitBytes() : null;
        }
      }
      // A dead leader may leave workers behind (holding the port): the group goes with it.
      ProcessGroups.signal(c.pid, "KILL");
      return AppExit.of(at, c.pid, value, oom, requested, Duration.between(c.startedAt, at), limit);
    }, false).onComplete(ar -> {
      if (ar.failed()) {
        LOG.log(System.Logger.Level.DEBUG, "OOM check of " + c.pid + " failed: " + ar.cause());
      }
      child = null;
      pid = -1;
      afterExit(ar.succeeded() ? ar.result()
          : AppExit.of(at, c.pid, value, false, requested, Duration.between(c.startedAt, at), null));
    });
  }

  private void afterExit(AppExit exit) {
    lastExit = exit;
    if (exit.requested() || stopping) {
      emit(l -> l.exited(exit, null));
      finish(exit);
      return;
    }
    LOG.log(System.Logger.Level.WARNING, "the app (pid " + exit.pid() + ") ended: " + exit.status()
        + (exit.oomKilled() ? ", killed by the OOM killer" : "") + " after " + exit.uptime().toMillis() + " ms");
    if (!opts.policy().restarts(exit)) {
      emit(l -> l.exited(exit, null));
      setState(AppState.STOPPED);
      return;
    }
    (exit.oomKilled() ? oomKills : crashes).incrementAndGet();
    Duration delay = backoff.next(exit.uptime());
    if (pendingExit == null) {
      pendingExit = exit; // a crash loop reports the first death: the outage began there
    }
    pendingBackoff = delay;
    setState(AppState.RESTARTING);
    emit(l -> l.exited(exit, delay));
    restartTimer = vertx.setTimer(Math.max(1, delay.toMillis()), id -> {
      restartTimer = -1;
      if (!stopping) {
        spawn();
      }
    });
  }

  private void finish(AppExit exit) {
    setState(AppState.STOPPED);
    http.close();
    stopped.tryComplete(exit);
  }

  private void setState(AppState to) {
    AppState from = state;
    if (from != to) {
      state = to;
      emit(l -> l.stateChanged(from, to));
    }
  }

  private void emit(Consumer<AppListener> event) {
    for (AppListener l : listeners) {
      try {
        event.accept(l);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "app listener failed", e);
      }
    }
  }
}
