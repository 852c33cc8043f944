package dev.vigil.app.recycle;

import dev.vigil.app.recycle.RecycleDecision.Action;
import dev.vigil.health.Finding;
import dev.vigil.store.redis.RecycleLease;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Recycling as a concern: at every memory sample it asks the {@link RecyclePolicy}, calls the
 * cleanup endpoint or takes a slot of the fleet's {@link RecycleLease}, and recycles.
 * <ul>
 *   <li><b>run mode</b> (a {@link Recycler} is given): the recycler replaces the child by overlap or hold.</li>
 *   <li><b>sidecar mode</b> (no recycler; Kubernetes restarts the app): readiness turns off first,
 *   then once the requests in flight have finished (at most {@code drainTimeout}) {@link #appLive()}
 *   turns false, so that {@code GET /sidecar/health/app-live} answers 503 and kubelet restarts the
 *   app container. Once the app stopped answering and answers again, the recycle is recorded and
 *   readiness and app-live come back.</li>
 * </ul>
 * Visible as {@link #healthJson()} (the {@code app.recycles} block), {@link #findings()} (a sentence
 * in {@code issues}) and {@code vigil_app_recycles_total{path}}.
 *
 * <p>Threading: decisions run on the Vert.x context that called {@link #start()}; getters are safe
 * from any thread.
 */
public final class Recycling {

  private static final System.Logger LOG = System.getLogger(Recycling.class.getName());
  /** Why a sidecar always takes the hold path. */
  private static final String SIDECAR_PATH_REASON =
      "as a sidecar Vigil cannot start a second app: kubelet restarts the app container";
  /** A recycle sentence stays in {@code issues} this long. */
  static final Duration RECENT = Duration.ofHours(1);
  private static final long WATCH_MS = 200;
  /** Sidecar mode: kubelet restarts after failureThreshold x periodSeconds (30 s by default); 10 min is generous. */
  public static final Duration DEFAULT_RESTART_WAIT = Duration.ofMinutes(10);

  /**
   * What recycling needs.
   *
   * @param memory        the newest memory figures (null while there are none)
   * @param cleanup       calls {@code memory.cleanup.url}, or null when none is configured
   * @param lease         the fleet lease (its store is null without Redis)
   * @param leaseTtl      how long a slot lasts without renewal; renewed every third of it while recycling
   * @param recycler      run mode's recycler, or null in sidecar mode
   * @param inFlight      requests in flight through the proxy (sidecar mode waits for 0)
   * @param appAnswers    one probe of the app's health path (sidecar mode watches the restart)
   * @param tick          how often the policy is asked (the memory poll interval)
   * @param drainTimeout  {@code lifecycle.drainTimeout}
   * @param restartWait   sidecar mode: how long to wait for kubelet's restart before giving up
   * @param registry      where {@code vigil_app_recycles_total} goes, or null
   * @param atPercent     {@code memory.warnPercent} or {@code memory.criticalPercent}, whichever {@code recycle.at} names
   * @param beforeRecycle called right before each recycle (the diagnostics hook, bounded by its own
   *                      timeout), or null
   */
  public record Parts(Vertx vertx, RecycleOptions opts, Clock clock, Supplier<MemoryView> memory,
                      Supplier<Future<?>> cleanup, RecycleLease lease, Duration leaseTtl, Recycler recycler,
                      IntSupplier inFlight, Supplier<Future<Boolean>> appAnswers, Duration tick,
                      Duration drainTimeout, Duration restartWait, MeterRegistry registry, double atPercent,
                      Supplier<Future<?>> beforeRecycle) {
  }

  private final Parts parts;
  private final RecyclePolicy policy;
  private final Map<RecyclePath, Counter> counters = new EnumMap<>(RecyclePath.class);
  private final Map<RecyclePath, AtomicLong> totals = new EnumMap<>(RecyclePath.class);
  private Context context;
  private long ticker = -1;
  private volatile boolean busy; // set on the context; cleared where a recycle ends

  // Read from any thread.
  private volatile boolean due;
  private volatile boolean drained;
  private volatile boolean sawDown; // sidecar mode: the drained app stopped answering (its restart began)
  private volatile RecycleRecord last;
  private volatile String pending; // the last due-but-waiting reason (deferred, or another replica recycling)
  private volatile boolean alone;
  private volatile Double lastToLimitSeconds; // at the last recycle's decision, for its sentence

  public Recycling(Parts parts) {
    this.parts = parts;
    this.policy = new RecyclePolicy(parts.opts(), parts.cleanup() != null, parts.atPercent());
    for (RecyclePath p : RecyclePath.values()) {
      totals.put(p, new AtomicLong());
      if (parts.registry() != null) {
        counters.put(p, Counter.builder("vigil.app.recycles").tag("path", p.label())
            .description("App recycles before the OOM kill, by path (overlap: two children side by side; hold:"
                + " requests wait while the app restarts)").register(parts.registry()));
      }
    }
  }

  /** Asks the policy at every tick from now on. */
  public Future<Void> start() {
    context = parts.vertx().getOrCreateContext();
    context.runOnContext(v -> ticker = parts.vertx().setPeriodic(parts.tick().toMillis(), id -> tick()));
    return Future.succeededFuture();
  }

  public Future<Void> stop() {
    if (ticker >= 0) {
      parts.vertx().cancelTimer(ticker);
    }
    return parts.lease().release();
  }

  /** False once a recycle is due and the app is drained (sidecar mode): {@code app-live} answers 503. */
  public boolean appLive() {
    return !(due && drained);
  }

  /** True while a sidecar-mode recycle is due: readiness is off so that traffic goes elsewhere first. */
  public boolean unready() {
    return due;
  }

  /**
   * Recycles now ({@code POST /sidecar/app/recycle}). Run mode: completes with the record once done.
   * Sidecar mode: completes once the app is drained and app-live answers 503. Fails with
   * {@link IllegalStateException} while a recycle is running or another replica holds the lease.
   */
  public Future<JsonObject> recycleNow() {
    Promise<JsonObject> done = Promise.promise();
    if (context == null) {
      return Future.failedFuture(new IllegalStateException("recycling has not started yet"));
    }
    context.runOnContext(v -> {
      if (busy) {
        done.fail(new IllegalStateException("a recycle is already running"));
        return;
      }
      RecycleDecision d = policy.manual(parts.memory().get(), baseline());
      begin(d).onComplete(done);
    });
    return done.future();
  }

  // ---- the loop (on the context) ----

  private void tick() {
    if (busy) {
      return;
    }
    MemoryView view = parts.memory().get();
    RecycleDecision d = policy.evaluate(parts.clock().instant(), view, baseline());
    if (d.action() == Action.CLEANUP) {
      LOG.log(System.Logger.Level.INFO, "a recycle is due (" + d.reason() + "): calling the cleanup endpoint first");
      parts.cleanup().get();
    } else if (d.action() == Action.DEFERRED) {
      pending = d.reason();
    } else if (d.action() == Action.NONE) {
      pending = null;
    } else {
      begin(d).onFailure(err -> pending = d.reason() + "; " + err.getMessage());
    }
  }

  private Future<JsonObject> begin(RecycleDecision d) {
    busy = true;
    return parts.lease().tryAcquire().compose(outcome -> {
      if (outcome == RecycleLease.Outcome.BUSY) {
        busy = false;
        return Future.failedFuture(new IllegalStateException("waiting: " + parts.opts().maxConcurrent()
            + " other replica(s) of this app are recycling (recycle.maxConcurrent)"));
      }
      alone = outcome == RecycleLease.Outcome.ALONE;
      pending = null;
      MemoryView view = parts.memory().get();
      lastToLimitSeconds = view == null || view.limitMiB() == null ? null : view.secondsUntil(view.limitMiB());
      long renew = parts.vertx().setPeriodic(Math.max(1, parts.leaseTtl().toMillis() / 3),
          id -> parts.lease().tryAcquire());
      // The app's own view of the leak first, while it is still in memory (never fails, bounded).
      Future<?> before = parts.beforeRecycle() == null ? Future.succeededFuture()
          : parts.beforeRecycle().get().otherwiseEmpty();
      Future<RecycleRecord> run = before.compose(v -> parts.recycler() != null
          ? parts.recycler().recycle(d.reason(), d.path()).map(r -> r.withPathReason(d.pathReason()))
          : sidecar(d));
      return run.map(r -> {
        finished(r);
        return r.toJson();
      }).eventually(() -> {
        parts.vertx().cancelTimer(renew);
        busy = false;
        return parts.lease().release();
      });
    });
  }

  private void finished(RecycleRecord r) {
    policy.recycled(r.t());
    last = r;
    totals.get(r.path()).incrementAndGet();
    Counter c = counters.get(r.path());
    if (c != null) {
      c.increment();
    }
  }

  /** Readiness off, wait for in-flight to finish, app-live 503, wait for the restart. */
  private Future<RecycleRecord> sidecar(RecycleDecision d) {
    Instant t0 = parts.clock().instant();
    MemoryView before = parts.memory().get();
    due = true;
    LOG.log(System.Logger.Level.INFO, "a recycle is due (" + d.reason() + "): readiness off, draining the app");
    Promise<RecycleRecord> done = Promise.promise();
    long deadline = System.nanoTime() + parts.drainTimeout().toNanos();
    waitDrained(deadline, () -> {
      drained = true;
      LOG.log(System.Logger.Level.INFO, "the app is drained: app-live answers 503 until it is restarted");
      long giveUp = System.nanoTime() + parts.restartWait().toNanos();
      watchRestart(false, giveUp, restarted -> {
        due = false;
        drained = false;
        MemoryView after = parts.memory().get();
        done.complete(new RecycleRecord(t0, d.reason(), RecyclePath.HOLD, SIDECAR_PATH_REASON,
            before == null ? null : before.rssMiB(),
            after == null || before == null || !after.t().isAfter(before.t()) ? null : after.rssMiB(),
            Duration.between(t0, parts.clock().instant()), 0, 0, restarted ? null
            : "the app was not restarted within " + RecyclePolicy.human(parts.restartWait())
            + "; is the app container's livenessProbe pointed at /sidecar/health/app-live?"));
      });
    });
    return done.future();
  }

  private void waitDrained(long deadline, Runnable then) {
    if (parts.inFlight().getAsInt() == 0 || System.nanoTime() >= deadline) {
      then.run();
    } else {
      parts.vertx().setTimer(WATCH_MS / 10, id -> waitDrained(deadline, then));
    }
  }

  /** Done when the app stopped answering and answers again (restarted), or at {@code giveUp}. */
  private void watchRestart(boolean wentDown, long giveUp, java.util.function.Consumer<Boolean> then) {
    if (System.nanoTime() >= giveUp) {
      then.accept(false);
      return;
    }
    parts.appAnswers().get().otherwise(false).onComplete(ar -> {
      boolean answers = ar.result();
      sawDown = wentDown || !answers;
      if (wentDown && answers) {
        sawDown = false;
        then.accept(true);
      } else {
        parts.vertx().setTimer(WATCH_MS, id -> watchRestart(wentDown || !answers, giveUp, then));
      }
    });
  }

  private Double baseline() {
    return parts.recycler() == null ? null : parts.recycler().baselineMiB();
  }

  /**
   * One GET of the app's health path per call, on a fresh connection (no keep-alive: a restarted app
   * must be seen as such); true for an answer below 500.
   */
  public static Supplier<Future<Boolean>> probe(Vertx vertx, java.net.URI url, Duration timeout) {
    io.vertx.core.http.HttpClient client = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions()
        .setKeepAlive(false).setConnectTimeout((int) timeout.toMillis()).setName("vigil-recycle-probe"));
    return () -> client.request(new io.vertx.core.http.RequestOptions().setAbsoluteURI(url.toString())
            .setTimeout(timeout.toMillis()).putHeader("user-agent", "vigil-probe"))
        .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode() < 500)))
        .otherwise(false);
  }

  // ---- read side ----

  /**
   * The {@code app.recycles} block: {@code {"total": n, "by_path": {...}, "last": {...} or null,
   * "baseline_mib": the fresh child's footprint or null while unknown, "due", "pending"}}.
   */
  public JsonObject healthJson() {
    RecycleRecord r = last;
    JsonObject byPath = new JsonObject();
    long total = 0;
    for (RecyclePath p : RecyclePath.values()) {
      long n = totals.get(p).get();
      byPath.put(p.label(), n);
      total += n;
    }
    return new JsonObject().put("total", total).put("by_path", byPath).put("last", r == null ? null : r.toJson())
        .put("baseline_mib", baseline()).put("due", due).put("pending", pending);
  }

  /** The last recycle's sentence while recent, a waiting recycle, and recycling without the fleet lease. */
  public List<Finding> findings() {
    List<Finding> out = new ArrayList<>();
    RecycleRecord r = last;
    if (r != null && Duration.between(r.t(), parts.clock().instant()).compareTo(RECENT) < 0) {
      MemoryView v = parts.memory().get();
      String sentence = r.sentence(v == null ? null : v.limitMiB(), lastToLimitSeconds);
      out.add(r.completed() && r.failed() == 0 ? Finding.note(sentence) : Finding.degraded(sentence));
    }
    if (due) {
      out.add(Finding.degraded(sawDown ? "the app stopped answering for its recycle: waiting for it to come back"
          : drained ? "a recycle is due and the app is drained: app-live answers 503 so that it is restarted"
          : "a recycle is due: readiness is off while the app finishes its requests"));
    }
    String p = pending;
    if (p != null) {
      out.add(Finding.note("a recycle is due but waits: " + p));
    }
    if (parts.lease().standalone()) {
      out.add(Finding.note("recycling without Redis: each replica decides alone (several may recycle at once)"));
    } else if (alone) {
      out.add(Finding.note("Redis was unreachable at the last recycle: this replica recycled without the fleet"
          + " lease (others may have recycled at the same time)"));
    }
    return out;
  }
}
