package dev.vigil.keepalive;

import dev.vigil.health.Finding;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.HdrHistogram.Histogram;

/**
 * Pings the application on the adaptive {@link KeepAliveSchedule} so that a host which spins
 * idle applications down keeps it warm.
 *
 * <p>Timing, per the contract: the first due time is one (jittered) interval after
 * {@link #start()}. At each due time:
 * <ol>
 *   <li>if a proxied request got a non-5xx answer since the current interval began
 *       ({@code lastGoodTrafficEpochMillis >= intervalStart}), nothing is sent: the due time counts
 *       as {@code skipped_traffic} and a new interval begins;</li>
 *   <li>else the leader check (a constructor argument) runs; when it answers false nothing is sent
 *       ({@code not_leader});</li>
 *   <li>else the target gets a GET bounded by {@code keepalive.timeout}. A transport error, a
 *       timeout or a 5xx is a failure and the next delay doubles (capped); anything else resets
 *       the failure count.</li>
 * </ol>
 * There is at most one pending timer and never more than one ping in flight: the next timer is
 * set only after the current due time is fully handled.
 *
 * <p>Usage:
 * <pre>{@code
 * KeepAlive keepAlive = new KeepAlive(vertx, options, Clock.systemUTC(), traffic::lastGoodMillis, registry);
 * keepAlive.start();                       // from a verticle's start(), or any thread
 * router.get(...).handler(rc -> ... keepAlive.healthJson() ...);
 * keepAlive.stop();
 * }</pre>
 *
 * <p>Thread-safety: the schedule runs on one Vert.x context (the caller's when {@link #start()}
 * is called on one). {@link #healthJson()}, {@link #issues()} and {@link #snapshot()} may be
 * called from any thread; they read an immutable snapshot. {@code lastGoodTrafficEpochMillis}
 * is called on that context and must be cheap and thread-safe (an {@code AtomicLong::get}).
 */
public final class KeepAlive {
  /** Fail open after this long: a slow leader lookup must not stop every replica from pinging. */
  private static final long MAX_LEADER_CHECK_MS = 2_000;
  private static final int LATENCY_DIGITS = 2;
  private static final long MAX_BACKFILL = 1_000;
  /** Without a shared store every replica pings. */
  private static final Supplier<Future<Boolean>> ALWAYS_LEADER = () -> Future.succeededFuture(true);

  private final Vertx vertx;
  private final KeepAliveOptions options;
  private final KeepAliveSchedule schedule;
  private final Clock clock;
  private final LongSupplier lastGoodTrafficEpochMillis;
  private final KeepAliveMetrics metrics;
  private final Histogram latencyMs;
  private final Supplier<Future<Boolean>> leaderCheck;
  private volatile KeepAliveSnapshot snapshot = KeepAliveSnapshot.INITIAL;

  // Confined to the schedule's context once started.
  private Context context;
  private Pinger pinger;
  private boolean started;
  private boolean stopped;
  private long timerId = -1;
  private long intervalStartMillis;

  /**
   * @param vertx                      the Vert.x instance whose timers and HTTP client are used
   * @param options                    validated options (see {@link KeepAliveOptions#validate()})
   * @param clock                      wall clock for windows, the skip rule and timestamps
   * @param lastGoodTrafficEpochMillis when (on {@code clock}) a proxied request last got a non-5xx answer; 0 if never
   * @param registryOrNull             where to register the meters, or null for none
   */
  public KeepAlive(Vertx vertx, KeepAliveOptions options, Clock clock,
      LongSupplier lastGoodTrafficEpochMillis, MeterRegistry registryOrNull) {
    this(vertx, options, clock, lastGoodTrafficEpochMillis, registryOrNull, ALWAYS_LEADER);
  }

  /**
   * @param leaderCheck decides whether this replica pings at a due time (the Redis leader lock). A
   *     check that fails or takes longer than the ping timeout (at most 2 s) counts as true, so a
   *     broken lock degrades to every replica pinging rather than none.
   * @see #KeepAlive(Vertx, KeepAliveOptions, Clock, LongSupplier, MeterRegistry)
   */
  public KeepAlive(Vertx vertx, KeepAliveOptions options, Clock clock,
      LongSupplier lastGoodTrafficEpochMillis, MeterRegistry registryOrNull, Supplier<Future<Boolean>> leaderCheck) {
    this.leaderCheck = Objects.requireNonNull(leaderCheck, "leaderCheck");
    this.vertx = Objects.requireNonNull(vertx, "vertx");
    this.options = Objects.requireNonNull(options, "options");
    this.schedule = new KeepAliveSchedule(options);
    this.clock = Objects.requireNonNull(clock, "clock");
    this.lastGoodTrafficEpochMillis = Objects.requireNonNull(lastGoodTrafficEpochMillis, "lastGoodTrafficEpochMillis");
    long highestMs = Math.max(1_000, 2 * options.timeout().toMillis());
    this.latencyMs = new Histogram(1, highestMs, LATENCY_DIGITS);
    this.metrics = new KeepAliveMetrics(registryOrNull, this);
  }


  /**
   * Schedules the first ping one jittered interval from now; does nothing when disabled or
   * already started. An instance is not restartable after {@link #stop()}.
   */
  public Future<Void> start() {
    if (!options.enabled()) {
      return Future.succeededFuture();
    }
    Context ctx = vertx.getOrCreateContext();
    Promise<Void> promise = Promise.promise();
    ctx.runOnContext(v -> {
      if (!started) {
        started = true;
        context = ctx;
        pinger = new Pinger(vertx, options.target(), options.timeout());
        intervalStartMillis = clock.millis();
        scheduleNext();
      }
      promise.complete();
    });
    return promise.future();
  }

  /** Cancels the pending timer, abandons an in-flight ping and closes the HTTP client. */
  public Future<Void> stop() {
    Context ctx = context != null ? context : vertx.getOrCreateContext();
    Promise<Void> promise = Promise.promise();
    ctx.runOnContext(v -> {
      stopped = true;
      if (timerId >= 0) {
        vertx.cancelTimer(timerId);
        timerId = -1;
      }
      publish(snapshot, false, -1);
      Future<Void> closed = pinger == null ? Future.succeededFuture() : pinger.close();
      closed.onComplete(promise);
    });
    return promise.future();
  }

  /** The current state; safe from any thread. */
  public KeepAliveSnapshot snapshot() {
    return snapshot;
  }

  /** The contract's {@code keepalive} block of {@code /sidecar/health}, plus a few extra keys. */
  public JsonObject healthJson() {
    KeepAliveSnapshot s = snapshot;
    boolean enabled = options.enabled();
    double next = nextPingInSeconds();
    JsonObject latency = new JsonObject()
        .put("p50", s.latencyP50Ms() < 0 ? null : s.latencyP50Ms())
        .put("max", s.latencyMaxMs() < 0 ? null : s.latencyMaxMs());
    return new JsonObject()
        .put("enabled", enabled)
        .put("target", options.target().toString())
        .put("interval_s", intervalSeconds())
        .put("next_ping_in_s", Double.isNaN(next) ? null : next)
        .put("last_ping", s.lastPing() == null ? null : s.lastPing().toString())
        .put("last_result", s.lastResult().label())
        .put("pings_total", s.pingsTotal())
        .put("skipped_total", s.skippedTotal())
        .put("consecutive_failures", s.consecutiveFailures())
        .put("failures_total", s.failuresTotal())
        .put("not_leader_total", s.notLeaderTotal())
        .put("last_error", s.lastError())
        .put("last_latency_ms", s.lastLatencyMs() < 0 ? null : s.lastLatencyMs())
        .put("latency_ms", latency);
  }

  /** One plain sentence while pings fail, else empty. */
  /** Failed pings degrade the status; they never make it unhealthy (the app may just be idle). */
  public List<Finding> findings() {
    return issues().stream().map(Finding::degraded).toList();
  }

  public List<String> issues() {
    KeepAliveSnapshot s = snapshot;
    if (s.consecutiveFailures() == 0) {
      return List.of();
    }
    String times = s.consecutiveFailures() == 1 ? "once" : s.consecutiveFailures() + " times in a row";
    String sentence = "keep-alive pings to " + options.target() + " failed " + times
        + " (last: " + s.lastError() + ")";
    double next = nextPingInSeconds();
    if (!Double.isNaN(next)) {
      sentence += "; next try in " + Durations.humanize(Duration.ofMillis(Math.round(next * 1000)));
    }
    return List.of(sentence);
  }

  /** Seconds until the pending timer fires, or NaN when none is pending. */
  double nextPingInSeconds() {
    KeepAliveSnapshot s = snapshot;
    if (!s.running() || s.nextDueEpochMillis() < 0) {
      return Double.NaN;
    }
    return Math.max(0, s.nextDueEpochMillis() - clock.millis()) / 1000.0;
  }

  /** The base interval in force now, in seconds. */
  double intervalSeconds() {
    return schedule.intervalAt(clock.instant()).toMillis() / 1000.0;
  }

  private void scheduleNext() {
    if (stopped) {
      return;
    }
    Duration delay = schedule.nextDelay(clock.instant(), snapshot.consecutiveFailures(),
        () -> ThreadLocalRandom.current().nextDouble());
    long delayMs = Math.max(1, delay.toMillis());
    publish(snapshot, true, clock.millis() + delayMs);
    timerId = vertx.setTimer(delayMs, id -> onDue());
  }

  private void onDue() {
    timerId = -1;
    if (stopped) {
      return;
    }
    long dueMillis = clock.millis();
    // While the ping is in flight the next ping is "now" (0 s), not unknown.
    publish(snapshot, true, dueMillis);
    if (lastGoodTrafficEpochMillis.getAsLong() >= intervalStartMillis) {
      finish(dueMillis, PingResult.SKIPPED_TRAFFIC, null);
      return;
    }
    checkLeader()
        .compose(leader -> leader ? pinger.ping() : Future.succeededFuture((Pinger.Outcome) null))
        .onComplete(ar -> onContext(() -> {
          // Neither step fails by design; a failure here would be a bug, reported as a failed ping.
          Pinger.Outcome outcome = ar.succeeded()
              ? ar.result()
              : new Pinger.Outcome(false, String.valueOf(ar.cause()), 0);
          if (outcome == null) {
            finish(dueMillis, PingResult.NOT_LEADER, null);
          } else {
            finish(dueMillis, outcome.ok() ? PingResult.OK : PingResult.FAILED, outcome);
          }
        }));
  }

  private Future<Boolean> checkLeader() {
    long limit = Math.min(MAX_LEADER_CHECK_MS, options.timeout().toMillis());
    Future<Boolean> check;
    try {
      check = leaderCheck.get();
    } catch (RuntimeException e) {
      return Future.succeededFuture(true);
    }
    return check.timeout(limit, TimeUnit.MILLISECONDS)
        .map(Boolean.TRUE::equals)
        .otherwise(true);
  }

  /** Records the outcome of a due time and starts the next interval. */
  private void finish(long dueMillis, PingResult result, Pinger.Outcome outcome) {
    if (stopped) {
      return;
    }
    KeepAliveSnapshot s = snapshot;
    Instant lastPing = s.lastPing();
    long pings = s.pingsTotal();
    long failures = s.failuresTotal();
    int consecutive = s.consecutiveFailures();
    String lastError = s.lastError();
    double lastLatency = s.lastLatencyMs();
    if (outcome != null) {
      lastPing = Instant.ofEpochMilli(dueMillis);
      pings++;
      lastLatency = outcome.latencyNanos() / 1_000_000.0;
      recordLatency(lastLatency);
      if (outcome.ok()) {
        consecutive = 0;
      } else {
        failures++;
        consecutive++;
        lastError = outcome.error();
      }
    }
    snapshot = new KeepAliveSnapshot(true, -1, lastPing, result, pings, failures,
        s.skippedTotal() + (result == PingResult.SKIPPED_TRAFFIC ? 1 : 0),
        s.notLeaderTotal() + (result == PingResult.NOT_LEADER ? 1 : 0),
        consecutive, lastError, lastLatency,
        latencyMs.getTotalCount() == 0 ? -1 : latencyMs.getValueAtPercentile(50),
        latencyMs.getTotalCount() == 0 ? -1 : latencyMs.getMaxValue());
    metrics.count(result);
    intervalStartMillis = dueMillis;
    scheduleNext();
  }

  private void recordLatency(double ms) {
    long value = Math.min(latencyMs.getHighestTrackableValue(), Math.max(1, Math.round(ms)));
    // Pings that take longer than the interval would hide the ones that could not be sent
    // meanwhile; the expected interval lets HdrHistogram fill them in.
    long expected = Math.max(1, schedule.intervalAt(clock.instant()).toMillis());
    if (value / expected > MAX_BACKFILL) {
      latencyMs.recordValue(value); // keep one ping's bookkeeping bounded with sub-ms intervals
    } else {
      latencyMs.recordValueWithExpectedInterval(value, expected);
    }
  }

  private void publish(KeepAliveSnapshot s, boolean running, long nextDue) {
    snapshot = new KeepAliveSnapshot(running, nextDue, s.lastPing(), s.lastResult(), s.pingsTotal(),
        s.failuresTotal(), s.skippedTotal(), s.notLeaderTotal(), s.consecutiveFailures(),
        s.lastError(), s.lastLatencyMs(), s.latencyP50Ms(), s.latencyMaxMs());
  }

  private void onContext(Runnable action) {
    if (Vertx.currentContext() == context) {
      action.run();
    } else {
      context.runOnContext(v -> action.run());
    }
  }
}
