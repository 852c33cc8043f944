package dev.vigil.app.recycle;

import dev.vigil.app.AppChildren;
import dev.vigil.app.AppExit;
import dev.vigil.app.AppListener;
import dev.vigil.app.AppRestart;
import dev.vigil.app.AppState;
import dev.vigil.app.AppSupervisor;
import dev.vigil.app.HoldGate;
import dev.vigil.app.Ports;
import dev.vigil.memory.source.ProcessTree;
import dev.vigil.proxy.UpstreamTarget;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;
import java.util.function.LongSupplier;

/**
 * Performs recycles of the app in {@code run} mode, one at a time, and owns which supervisor is
 * the current one (each recycle starts a new child under a new {@link AppSupervisor}).
 *
 * <ul>
 *   <li><b>Overlap</b>: a second child on a new port; once it answers its health path the proxy's
 *   {@link UpstreamTarget} switches to it, the old child finishes what it has in flight (up to
 *   {@code drainTimeout}) and is stopped (SIGTERM, SIGKILL after {@code app.stopTimeout}).</li>
 *   <li><b>Hold</b>: the {@link HoldGate} closes (new requests wait), the old child finishes its
 *   in-flight requests (up to {@code drainTimeout}) and is stopped, a new child starts, the target
 *   switches to it and the gate opens.</li>
 * </ul>
 * After each start (the first one too) the fresh child's memory {@code baselineAfter} after it
 * became healthy is kept as the baseline the policy needs.
 *
 * <p>Listeners added here see the events of the current supervisor only: the old child's exit at
 * the end of a recycle is not a crash, and must not close the hold gate. Build the recycler before
 * starting the first supervisor so that its events are forwarded from the start.
 *
 * <p>Threading: every step is a future chain on Vert.x threads; reading {@code /proc} and binding a
 * probe socket for a free port run through {@code executeBlocking}. Getters are safe from any thread.
 */
public final class Recycler implements AppChildren {

  private static final System.Logger LOG = System.getLogger(Recycler.class.getName());
  private static final double BYTES_PER_MIB = 1 << 20;
  private static final long DRAIN_POLL_MS = 20;

  /** Durations of one recycle. */
  public record Timing(Duration drainTimeout, Duration startTimeout, Duration baselineAfter) {
  }

  private final Vertx vertx;
  private final IntFunction<AppSupervisor> children;
  private final UpstreamTarget target;
  private final HoldGate gate;
  private final Timing timing;
  private final Clock clock;
  private final LongSupplier failedRequests;
  private final ProcessTree tree = new ProcessTree(ProcessTree.DEFAULT_MAX_PROCESSES);
  private final List<AppListener> listeners = new CopyOnWriteArrayList<>();
  private final AtomicBoolean running = new AtomicBoolean();
  private volatile AppSupervisor current;
  private volatile boolean holding; // between the old child's stop and the new child's start in hold
  private volatile Double baselineMiB;
  private volatile AppSupervisor starting; // a recycle's new child, until it is current or given up
  private volatile boolean stopped;

  /**
   * @param first          the supervisor of the first child (not started yet)
   * @param children       builds the supervisor of a new child on the given port (same command and settings)
   * @param target         the proxy's upstream target, switched to each new child
   * @param gate           the hold gate, closed during a hold recycle
   * @param failedRequests 5xx answers so far (a recycle reports the difference over its run)
   */
  public Recycler(Vertx vertx, AppSupervisor first, IntFunction<AppSupervisor> children, UpstreamTarget target,
                  HoldGate gate, Timing timing, Clock clock, LongSupplier failedRequests) {
    this.vertx = vertx;
    this.children = children;
    this.target = target;
    this.gate = gate;
    this.timing = timing;
    this.clock = clock;
    this.failedRequests = failedRequests;
    adopt(first);
    this.current = first;
  }

  /**
   * Stops for good (Vigil's shutdown): the current child and a child a running recycle is starting
   * (SIGTERM, SIGKILL after {@code app.stopTimeout}); a recycle still running starts nothing more.
   */
  @Override
  public Future<Void> stop() {
    stopped = true;
    AppSupervisor s = starting;
    return Future.join(current.stop(), s == null ? Future.succeededFuture() : s.stop()).mapEmpty();
  }

  /** Adds a listener that sees the current supervisor's events only. */
  @Override
  public void addListener(AppListener l) {
    listeners.add(l);
  }

  /** Starts the first child and measures its baseline once it is up. */
  @Override
  public Future<Void> start() {
    AppSupervisor first = current;
    return first.start().onSuccess(v -> measureBaselineOf(first));
  }

  /** The current child's supervisor. */
  @Override
  public AppSupervisor current() {
    return current;
  }

  /** {@code recycling} while a recycle runs, else the current supervisor's state. */
  @Override
  public AppState state() {
    return running.get() ? AppState.RECYCLING : current.state();
  }

  public boolean recycling() {
    return running.get();
  }

  /** The fresh child's footprint in MiB, or null until measured. */
  public Double baselineMiB() {
    return baselineMiB;
  }

  /** Measures the baseline of the current (first) child once it is up; call after starting it. */
  public void measureBaselineOf(AppSupervisor sup) {
    sup.firstUp().onSuccess(v -> vertx.setTimer(timing.baselineAfter().toMillis(), id -> {
      if (sup == current) {
        rssOf(sup).onSuccess(mib -> {
          if (mib != null) {
            baselineMiB = mib;
          }
        });
      }
    }));
  }

  /**
   * Recycles now. Fails at once with {@link IllegalStateException} when a recycle is running or the
   * app is not up;
   * otherwise completes with the record (also when the new child never answered: see
   * {@link RecycleRecord#error()}).
   */
  public Future<RecycleRecord> recycle(String reason, RecyclePath path) {
    AppState now = current.state();
    if (now != AppState.UP) {
      // Crashed and restarting, or not started: the supervisor is bringing up a fresh child anyway.
      return Future.failedFuture(new IllegalStateException("the app is " + now.label() + ", not up"));
    }
    if (!running.compareAndSet(false, true)) {
      return Future.failedFuture(new IllegalStateException("a recycle is already running"));
    }
    Instant t0 = clock.instant();
    long failed0 = failedRequests.getAsLong();
    long held0 = gate.waitedTotal();
    AppSupervisor old = current;
    LOG.log(System.Logger.Level.INFO, "recycling the app (" + path.label() + "): " + reason);
    return rssOf(old)
        .compose(before -> (path == RecyclePath.OVERLAP ? overlap(old) : hold(old))
            .transform(ar -> {
              AppSupervisor next = ar.succeeded() ? ar.result() : null;
              String error = ar.failed() ? ar.cause().getMessage() : null;
              return (next == null ? Future.<Double>succeededFuture(null) : rssOf(next)).map(after ->
                  new RecycleRecord(t0, reason, path, before, after, Duration.between(t0, clock.instant()),
                      gate.waitedTotal() - held0, Math.max(0, failedRequests.getAsLong() - failed0), error));
            }))
        .onComplete(ar -> running.set(false))
        .onSuccess(r -> LOG.log(r.completed() ? System.Logger.Level.INFO : System.Logger.Level.WARNING,
            r.sentence(null, null)));
  }

  /** Second child first, switch, drain the old one, stop it. Fails (old one untouched) if the new one never answers. */
  private Future<AppSupervisor> overlap(AppSupervisor old) {
    return startChild().compose(next -> {
      UpstreamTarget.Target was = target.switchTo("127.0.0.1", next.port());
      current = next;
      measureBaselineOf(next);
      return drained(was).compose(v -> old.stop()).map(exit -> next);
    });
  }

  /** Gate closed, drain, stop the old child, start the new one, switch, open the gate. */
  private Future<AppSupervisor> hold(AppSupervisor old) {
    gate.close();
    holding = true;
    // Re-target the same address: every loop retires its pool, closing idle connections, so the
    // count of the old target falls to 0 once the requests in flight have finished. The gate keeps
    // new ones from reaching the fresh target (both are waited for, in case one slipped through).
    UpstreamTarget.Target was = target.current();
    UpstreamTarget.Target interim = target.switchTo(was.host(), was.port()) == was ? target.current() : null;
    return drained(was)
        .compose(v -> drained(interim))
        .compose(v -> old.stop())
        .compose(exit -> startChild())
        .map(next -> {
          target.switchTo("127.0.0.1", next.port());
          current = next;
          holding = false;
          gate.open();
          measureBaselineOf(next);
          return next;
        })
        .onFailure(err -> holding = false);
  }

  /**
   * A new child on a free port, up within {@code startTimeout}. On time-out it is stopped and the
   * recycle fails; in the hold path the old child is gone by then, so the new one is kept (its
   * supervisor keeps restarting it) and the gate opens once it answers.
   */
  private Future<AppSupervisor> startChild() {
    return vertx.executeBlocking(Ports::freeLoopbackPort, false).compose(port -> {
      if (stopped) {
        return Future.failedFuture("Vigil is stopping");
      }
      AppSupervisor next = children.apply(port);
      adopt(next);
      starting = next;
      return next.start()
          .compose(v -> stopped ? Future.<Void>failedFuture("Vigil is stopping") : Future.<Void>succeededFuture())
          .compose(v -> next.firstUp().timeout(timing.startTimeout().toMillis(), TimeUnit.MILLISECONDS))
          .map(v -> {
            starting = null;
            return next;
          })
          .recover(err -> {
            starting = null;
            if (stopped) {
              return next.stop().compose(e -> Future.failedFuture("Vigil is stopping"));
            }
            String why = "the new app did not answer its health path within " + timing.startTimeout().toSeconds()
                + " s";
            if (holding) {
              current = next;
              holding = false;
              next.firstUp().onSuccess(v -> {
                target.switchTo("127.0.0.1", next.port());
                gate.open();
              });
            } else {
              next.stop();
            }
            return Future.failedFuture(why);
          });
    });
  }

  /** Completes when the target has no connection left, or after {@code drainTimeout}. */
  private Future<Void> drained(UpstreamTarget.Target t) {
    Promise<Void> done = Promise.promise();
    long deadline = System.nanoTime() + timing.drainTimeout().toNanos();
    pollDrained(t, deadline, done);
    return done.future();
  }

  private void pollDrained(UpstreamTarget.Target t, long deadline, Promise<Void> done) {
    if (t == null || t.connections() == 0) {
      done.complete();
    } else if (System.nanoTime() >= deadline) {
      LOG.log(System.Logger.Level.WARNING, t.connections() + " connections to the old app were still busy after "
          + timing.drainTimeout().toMillis() + " ms (lifecycle.drainTimeout); stopping it anyway");
      done.complete();
    } else {
      vertx.setTimer(DRAIN_POLL_MS, id -> pollDrained(t, deadline, done));
    }
  }

  /** The resident memory of a supervisor's child tree in MiB, or null when it cannot be read. */
  private Future<Double> rssOf(AppSupervisor sup) {
    Long pid = sup.pid().orElse(null);
    if (pid == null) {
      return Future.succeededFuture(null);
    }
    return vertx.executeBlocking(() -> tree.read(pid).bytes() / BYTES_PER_MIB, false)
        .otherwise(err -> null);
  }

  /** Forwards a supervisor's events to the listeners while it is the current one and not being held. */
  private void adopt(AppSupervisor sup) {
    sup.addListener(new AppListener() {
      private boolean forward() {
        return sup == current && !holding;
      }

      @Override
      public void stateChanged(AppState from, AppState to) {
        if (forward()) {
          listeners.forEach(l -> l.stateChanged(from, to));
        }
      }

      @Override
      public void started(long pid) {
        if (forward()) {
          listeners.forEach(l -> l.started(pid));
        }
      }

      @Override
      public void gone(long pid) {
        if (forward()) {
          listeners.forEach(l -> l.gone(pid));
        }
      }

      @Override
      public void exited(AppExit exit, Duration restartIn) {
        if (forward()) {
          listeners.forEach(l -> l.exited(exit, restartIn));
        }
      }

      @Override
      public void restarted(AppRestart restart) {
        if (forward()) {
          listeners.forEach(l -> l.restarted(restart));
        }
      }
    });
  }
}
