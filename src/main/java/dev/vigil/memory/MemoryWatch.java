package dev.vigil.memory;

import dev.vigil.health.Finding;
import dev.vigil.memory.diagnostics.Diagnostics;
import dev.vigil.memory.diagnostics.DiagnosticsAnswer;
import dev.vigil.net.TransportErrors;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * Polls the application's memory (its endpoint, or a {@link MemorySource}), keeps a bounded
 * history, fits the trend, derives the memory state and runs the configured actions (cleanup
 * call, not-ready while critical).
 *
 * <p>Usage: construct, {@link #start()}, read {@link #healthJson()}, {@link #memoryJson()},
 * {@link #issues()}, {@link #unready()} from any thread, {@link #stop()} on shutdown.
 *
 * <p>Threading: polls run on the Vert.x context that called {@link #start()} (or a new event-loop
 * context), one at a time: the next poll is scheduled only after the previous one completed, and
 * nothing blocks. All state sits behind one lock held only for short computations, so the read
 * methods are safe from any thread and see a consistent snapshot.
 *
 * <p>Failures (non-2xx, timeout, refused connection, HTML, unknown JSON) never stop polling; they
 * are counted, and the last one is reported as a sentence by {@link #issues()}. After
 * {@value #STALE_AFTER_FAILURES} failed polls in a row the state turns {@code unknown}: the last
 * sample is too old to act on.
 */
public final class MemoryWatch {

  /** Failed polls in a row after which the state is {@code unknown}. */
  public static final int STALE_AFTER_FAILURES = 3;
  /** Cleanups and state changes remembered for {@code /sidecar/memory}. */
  public static final int MAX_EVENTS = 50;
  /** A cleanup may take longer than a status read (it may run a full collection). */
  static final int CLEANUP_TIMEOUT_FACTOR = 5;

  private static final System.Logger LOG = System.getLogger(MemoryWatch.class.getName());
  private static final double BYTES_PER_MIB = 1 << 20;

  private final Vertx vertx;
  private final MemoryWatchOptions opts;
  private final String url;
  private final Clock clock;
  private final MemoryParser parser;
  private final HttpFetcher fetcher;
  private final MemoryMeters meters;
  /** {@code memory.source} other than http, or null to poll the HTTP endpoint. */
  private final MemorySource source;

  private final Object lock = new Object();
  private final SampleHistory history;
  private final StateMachine machine;
  private final CleanupLog cleanups;
  private final Deque<StateChange> changes = new ArrayDeque<>();
  private MemoryTrend trend = MemoryTrend.NONE;
  private Double reportedLimitMiB;
  private String format;
  private String lastError;
  private Instant lastSuccess;
  private Instant lastAttempt;
  private long failuresTotal;
  private int consecutiveFailures;
  private long pollsStarted;

  private final Consumer<MemorySample> onSample;
  private final dev.vigil.memory.attribution.LeakAttribution attribution;
  private final Diagnostics diagnostics;
  private volatile boolean running;
  private volatile long timerId = -1;
  private Context context;

  /**
   * @param vertx           the Vert.x instance (its HTTP client and timers are used)
   * @param opts            frozen settings
   * @param clock           source of sample timestamps and cooldowns (inject a fake in tests)
   * @param registryOrNull  Micrometer registry for the {@code vigil.app.memory.*} meters, or null
   */
  public MemoryWatch(Vertx vertx, MemoryWatchOptions opts, Clock clock, MeterRegistry registryOrNull) {
    this(vertx, opts, clock, registryOrNull, null);
  }

  /**
   * @param onSampleOrNull called on the polling context after each valid sample (e.g. to persist
   *     it), or null
   * @see #MemoryWatch(Vertx, MemoryWatchOptions, Clock, MeterRegistry)
   */
  public MemoryWatch(Vertx vertx, MemoryWatchOptions opts, Clock clock, MeterRegistry registryOrNull,
                     Consumer<MemorySample> onSampleOrNull) {
    this(vertx, opts, clock, registryOrNull, onSampleOrNull, null);
  }

  /**
   * @param sourceOrNull where memory is read ({@code memory.source} process or cgroup), or null for
   *     the HTTP endpoint {@code memory.poll.url}
   * @see #MemoryWatch(Vertx, MemoryWatchOptions, Clock, MeterRegistry, Consumer)
   */
  public MemoryWatch(Vertx vertx, MemoryWatchOptions opts, Clock clock, MeterRegistry registryOrNull,
                     Consumer<MemorySample> onSampleOrNull, MemorySource sourceOrNull) {
    this(vertx, opts, clock, registryOrNull, onSampleOrNull, sourceOrNull, null, null);
  }

  /**
   * @param attributionOrNull names the routes behind a suspected leak from each sample on
   * @param diagnosticsOrNull {@code memory.diagnostics.url}, called on entering critical
   */
  public MemoryWatch(Vertx vertx, MemoryWatchOptions opts, Clock clock, MeterRegistry registryOrNull,
                     Consumer<MemorySample> onSampleOrNull, MemorySource sourceOrNull,
                     dev.vigil.memory.attribution.LeakAttribution attributionOrNull, Diagnostics diagnosticsOrNull) {
    this.attribution = attributionOrNull;
    this.diagnostics = diagnosticsOrNull;
    this.source = sourceOrNull;
    this.onSample = onSampleOrNull;
    this.vertx = vertx;
    this.opts = opts;
    this.url = opts.pollUrl().toString();
    this.clock = clock;
    this.parser = new MemoryParser(url, opts.rssPointer(), opts.rssUnit());
    this.history = new SampleHistory(opts.history());
    this.machine = new StateMachine(opts.warnPercent(), opts.criticalPercent(), opts.warnHorizon(),
        opts.criticalHorizon());
    this.cleanups = new CleanupLog(opts.cleanupCooldown());
    this.fetcher = new HttpFetcher(vertx);
    this.meters = registryOrNull == null ? null : new MemoryMeters(registryOrNull, this);
  }

  /**
   * Calls {@code memory.diagnostics.url} now, e.g. with {@link Diagnostics#RECYCLE} right before a
   * recycle. Never fails and completes within {@code memory.diagnostics.timeout}; with no URL
   * configured it completes at once with null.
   */
  public Future<DiagnosticsAnswer> diagnostics(String trigger) {
    Diagnostics hook = diagnostics;
    if (hook == null) {
      return Future.succeededFuture();
    }
    JsonObject h = healthJson();
    JsonObject facts = new JsonObject().put("state", h.getValue("state")).put("rss_mib", h.getValue("rss_mib"))
        .put("limit_mib", h.getValue("limit_mib")).put("trend_mib_per_hour", h.getValue("trend_mib_per_hour"));
    return hook.capture(trigger, facts);
  }

  /** {@code GET /sidecar/memory/diagnostics}: the stored answers (none without a configured URL). */
  public JsonObject diagnosticsJson() {
    Diagnostics hook = diagnostics;
    return hook == null ? new JsonObject().put("url", null).put("answers", new JsonArray()) : hook.toJson();
  }

  /** Starts polling at once; completes when the first poll is scheduled (not when it answered). */
  public Future<Void> start() {
    Promise<Void> started = Promise.promise();
    synchronized (lock) {
      if (context != null) {
        return Future.failedFuture(new IllegalStateException("memory watch already started"));
      }
      context = vertx.getOrCreateContext();
    }
    context.runOnContext(v -> {
      running = true;
      poll();
      started.complete();
    });
    return started.future();
  }

  /** Stops polling, closes the HTTP client and removes the meters. */
  public Future<Void> stop() {
    running = false;
    long id = timerId;
    if (id >= 0) {
      vertx.cancelTimer(id);
    }
    if (meters != null) {
      meters.remove();
    }
    Diagnostics hook = diagnostics;
    return hook == null ? fetcher.close() : Future.join(fetcher.close(), hook.close()).mapEmpty();
  }

  /** Merges samples restored from a store (e.g. Redis) into the history, keeping the newest {@code history}. */
  public void preload(List<MemorySample> samples) {
    synchronized (lock) {
      history.preload(samples);
      trend = MemoryTrend.fit(history.toList(), opts.trendWindow(), opts.pollInterval());
    }
  }

  /** {@code ok | warning | critical | unknown}. */
  public String state() {
    synchronized (lock) {
      return machine.state().label();
    }
  }

  /** The state as an enum. */
  public MemoryState memoryState() {
    synchronized (lock) {
      return machine.state();
    }
  }

  /** True while {@code critical} and {@code memory.unreadyWhenCritical} is set. */
  public boolean unready() {
    synchronized (lock) {
      return opts.unreadyWhenCritical() && machine.state() == MemoryState.CRITICAL;
    }
  }

  /** The samples held now, oldest first (a copy). */
  public List<MemorySample> samples() {
    synchronized (lock) {
      return history.toList();
    }
  }

  /**
   * Calls the cleanup endpoint now (POST /sidecar/memory/cleanup). Succeeds with the cleanup record
   * (also when the endpoint failed: the record says how); fails with {@link IllegalStateException}
   * when no {@code memory.cleanup.url} is configured or a cleanup is already running.
   */
  public Future<JsonObject> cleanup() {
    if (opts.cleanupUrl() == null) {
      return Future.failedFuture(new IllegalStateException(
          "no memory.cleanup.url is configured, so there is no cleanup endpoint to call"));
    }
    return runCleanup(CleanupRecord.MANUAL).map(CleanupRecord::toJson);
  }

  /**
   * The memory findings: they weigh by state (critical makes the whole sidecar unhealthy, warning
   * degraded); a poll error alone is a note that does not move the status.
   */
  public List<Finding> findings() {
    Finding.Level level = switch (memoryState()) {
      case CRITICAL -> Finding.Level.UNHEALTHY;
      case WARNING -> Finding.Level.DEGRADED;
      default -> Finding.Level.HEALTHY;
    };
    return issues().stream().map(sentence -> new Finding(level, sentence)).toList();
  }

  /** The health {@code memory} block while memory watching is off ({@code memory.enabled: false}). */
  public static JsonObject disabledHealthJson() {
    return new JsonObject().put("state", "unknown").put("enabled", false).put("source", null)
        .put("rss_mib", null).put("limit_mib", null).put("percent", null).put("trend_mib_per_hour", null)
        .put("projected_limit_in_s", null).put("samples", 0).put("last_sample", null);
  }

  /** One plain sentence per current cause of a non-ok state, plus the last poll error if any. */
  public List<String> issues() {
    var named = attribution;
    List<String> out = new ArrayList<>(named == null ? List.of() : named.sentences());
    out.addAll(stateIssues());
    return out;
  }

  private List<String> stateIssues() {
    synchronized (lock) {
      List<String> out = new ArrayList<>();
      if (consecutiveFailures > 0 && lastError != null) {
        out.add(lastError);
      }
      MemoryState state = machine.state();
      if (!state.atLeast(MemoryState.WARNING)) {
        return out;
      }
      int before = out.size();
      MemorySample last = history.latest();
      Double limit = limitMiB();
      Double percent = percent(last, limit);
      if (percent != null && percent >= opts.warnPercent()) {
        String level = percent >= opts.criticalPercent() ? "critical" : "warning";
        out.add(String.format(Locale.ROOT, "memory at %.0f%% of limit (%s)", percent, level));
      }
      Double projected = last == null ? null : trend.projectedSeconds(last.rssMiB(), limit);
      if (trend.steady() && projected != null && projected < opts.warnHorizon().toSeconds()) {
        out.add(String.format(Locale.ROOT, "memory grows %.1f MiB/h; limit reached in about %s",
            trend.slopeMiBPerHour(), MemoryJson.humanDuration(projected)));
      }
      if (trend.leakSuspected() && trend.floorSlopeMiBPerHour() != null) {
        out.add(String.format(Locale.ROOT, "memory floor rises %.1f MiB/h after collections; a leak is suspected",
            trend.floorSlopeMiBPerHour()));
      }
      if (out.size() == before) {
        out.add("memory is still " + state.label() + " while it recovers"
            + (percent == null ? "" : String.format(Locale.ROOT, " (%.0f%% of limit)", percent))
            + "; it clears after " + StateMachine.DEESCALATE_AFTER + " samples below the thresholds");
      }
      return out;
    }
  }

  /** The health {@code memory} block of the contract (plus leak_suspected and poll failures). */
  public JsonObject healthJson() {
    synchronized (lock) {
      MemorySample last = history.latest();
      Double limit = limitMiB();
      Double projected = last == null ? null : trend.projectedSeconds(last.rssMiB(), limit);
      return new JsonObject()
          .put("state", machine.state().label())
          .put("source", sourceLabel())
          .put("rss_mib", last == null ? null : MemoryJson.round(last.rssMiB()))
          .put("limit_mib", MemoryJson.round(limit))
          .put("percent", MemoryJson.round(percent(last, limit)))
          .put("trend_mib_per_hour", MemoryJson.round(trend.slopeMiBPerHour()))
          .put("projected_limit_in_s", MemoryJson.round(projected))
          .put("samples", history.size())
          .put("last_sample", last == null ? null : last.t().toString())
          .put("leak_suspected", trend.leakSuspected())
          .put("poll_failures", failuresTotal)
          .put("consecutive_poll_failures", consecutiveFailures);
    }
  }

  /** The {@code /sidecar/memory} document: figures, samples, fitted line, cleanups, state changes, poll status. */
  public JsonObject memoryJson() {
    var named = attribution;
    var fitted = named == null ? null : named.result();
    return stateJson()
        .put("attribution", fitted == null ? new JsonArray() : fitted.routesJson())
        .put("unexplained_mib_per_hour", fitted == null ? null : MemoryJson.round(fitted.unexplainedMiBPerHour()));
  }

  private JsonObject stateJson() {
    synchronized (lock) {
      MemorySample last = history.latest();
      Double limit = limitMiB();
      Double projected = last == null ? null : trend.projectedSeconds(last.rssMiB(), limit);
      JsonArray samples = new JsonArray();
      history.toList().forEach(s -> samples.add(s.toJson()));
      JsonArray lows = new JsonArray();
      trend.lows().forEach(s -> lows.add(s.toJson()));
      JsonArray changeJson = new JsonArray();
      changes.forEach(c -> changeJson.add(c.toJson()));
      JsonObject fit = trend.fitFrom() == null ? null : new JsonObject()
          .put("from", trend.fitFrom().toString()).put("from_mib", MemoryJson.round(trend.fitFromMiB()))
          .put("to", trend.fitTo().toString()).put("to_mib", MemoryJson.round(trend.fitToMiB()));
      JsonObject doc = new JsonObject()
          .put("state", machine.state().label())
          .put("source", sourceLabel())
          .put("format", format)
          .put("rss_mib", last == null ? null : MemoryJson.round(last.rssMiB()))
          .put("limit_mib", MemoryJson.round(limit))
          .put("limit_source", opts.limitBytes() != null ? "config" : reportedLimitMiB == null ? null
              : source == null ? "reported" : "cgroup")
          .put("percent", MemoryJson.round(percent(last, limit)))
          .put("trend_mib_per_hour", MemoryJson.round(trend.slopeMiBPerHour()))
          .put("floor_trend_mib_per_hour", MemoryJson.round(trend.floorSlopeMiBPerHour()))
          .put("r2", MemoryJson.round(trend.r2()))
          .put("steady", trend.steady())
          .put("leak_suspected", trend.leakSuspected())
          .put("projected_limit_in_s", MemoryJson.round(projected))
          .put("window_s", opts.trendWindow().toSeconds())
          .put("window_samples", trend.samples())
          .put("capacity", history.capacity())
          .put("trend_line", fit)
          .put("lows", lows)
          .put("samples", samples)
          .put("cleanups", cleanups.toJson())
          .put("states", changeJson)
          .put("poll", new JsonObject()
              .put("url", source == null ? url : null)
              .put("interval_s", opts.pollInterval().toMillis() / 1000.0)
              .put("timeout_s", opts.pollTimeout().toMillis() / 1000.0)
              .put("last_attempt", lastAttempt == null ? null : lastAttempt.toString())
              .put("last_success", lastSuccess == null ? null : lastSuccess.toString())
              .put("last_error", consecutiveFailures > 0 ? lastError : null)
              .put("failures_total", failuresTotal)
              .put("consecutive_failures", consecutiveFailures));
      if (source != null) {
        source.addDetails(doc);
      }
      return doc;
    }
  }

  /** The health/memory {@code source}: the endpoint's URL for http, else the source's name. */
  private String sourceLabel() {
    return source == null ? url : source.name();
  }

  // ---- polling ----

  private void poll() {
    if (!running) {
      return;
    }
    long pollNo;
    synchronized (lock) {
      pollNo = ++pollsStarted;
    }
    // A source reads files on a worker; the poll timeout bounds it like an HTTP poll.
    (source != null ? source.read().timeout(opts.pollTimeout().toMillis(), TimeUnit.MILLISECONDS) : fetchHttp())
        .onComplete(ar -> {
          try {
            if (!running) {
              return;
            }
            if (ar.succeeded()) {
              accept(ar.result(), pollNo);
            } else {
              failed(describe(ar.cause()));
            }
          } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "memory watch: handling a poll of " + url + " failed", e);
          } finally {
            scheduleNext();
          }
        });
  }

  private Future<MemoryReading> fetchHttp() {
    return fetcher.send(HttpMethod.GET, opts.pollUrl(), opts.pollTimeout().toMillis())
        .map(answer -> {
          if (answer.status() < 200 || answer.status() > 299) {
            throw new MemorySourceException("memory endpoint " + url + " answered HTTP " + answer.status()
                + "; " + MemoryParser.EXPECTED + " with status 200");
          }
          return parser.parse(answer.contentType(), answer.body());
        });
  }

  private void scheduleNext() {
    if (running) {
      timerId = vertx.setTimer(opts.pollInterval().toMillis(), id -> poll());
    }
  }

  private void accept(MemoryReading reading, long pollNo) {
    Instant now = clock.instant();
    MemorySample sample = new MemorySample(now, reading.rssMiB());
    boolean fireCleanup;
    boolean leak;
    boolean enteredCritical;
    synchronized (lock) {
      lastAttempt = now;
      lastSuccess = now;
      consecutiveFailures = 0;
      format = reading.source();
      reportedLimitMiB = reading.limitMiB();
      history.add(sample);
      cleanups.sampled(sample, pollNo);
      trend = MemoryTrend.fit(history.toList(), opts.trendWindow(), opts.pollInterval());
      Double limit = limitMiB();
      Double percent = percent(sample, limit);
      MemoryState before = machine.state();
      MemoryState after = machine.update(percent, trend.projectedSeconds(sample.rssMiB(), limit), trend.steady());
      enteredCritical = after == MemoryState.CRITICAL && before != MemoryState.CRITICAL;
      if (after != before) {
        remember(changes, new StateChange(now, before, after, sample.rssMiB(), percent));
        cleanups.stateChanged(before, after);
      }
      fireCleanup = opts.cleanupUrl() != null && cleanups.takeAutomatic(now);
      leak = trend.leakSuspected();
    }
    var named = attribution;
    if (named != null) {
      long[] totals = named.snapshot(); // now, with the reading; the fit itself can wait
      // The fit is bounded but can take tens of ms at 100 routes x 720 samples: not on the event loop.
      vertx.executeBlocking(() -> {
        named.sampled(now, sample.rssMiB(), leak, totals);
        return null;
      }, true).onFailure(e -> LOG.log(System.Logger.Level.WARNING, "memory watch: leak attribution failed", e));
    }
    if (fireCleanup) {
      runCleanup(CleanupRecord.AUTO);
    }
    if (enteredCritical) {
      diagnostics(Diagnostics.CRITICAL); // the answer is stored; nothing waits for it
    }
    if (onSample != null) {
      try {
        onSample.accept(sample);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "memory watch: onSample listener failed", e);
      }
    }
  }

  private void failed(String sentence) {
    synchronized (lock) {
      lastAttempt = clock.instant();
      failuresTotal++;
      consecutiveFailures++;
      lastError = sentence;
      if (consecutiveFailures >= STALE_AFTER_FAILURES && machine.state() != MemoryState.UNKNOWN) {
        remember(changes, new StateChange(lastAttempt, machine.state(), MemoryState.UNKNOWN, null, null));
        machine.reset();
        cleanups.cancelDue();
      }
    }
    if (meters != null) {
      meters.pollFailed();
    }
  }

  private String describe(Throwable err) {
    if (err instanceof MemorySourceException) {
      return err.getMessage();
    }
    if (source != null) {
      return source.name() + " memory: cannot read (" + err + ")";
    }
    if (err instanceof TimeoutException) {
      return "memory endpoint " + url + " did not answer within " + MemoryJson.configDuration(opts.pollTimeout())
          + " (memory.poll.timeout); " + MemoryParser.EXPECTED;
    }
    if (err instanceof HttpFetcher.BodyTooLargeException) {
      return "memory endpoint " + url + " answered more than " + HttpFetcher.MAX_BODY + " bytes; " + MemoryParser.EXPECTED;
    }
    String why = TransportErrors.plainAndLog("memory poll", err, opts.pollTimeout());
    return "memory endpoint " + url + " is unreachable (" + why + "); " + MemoryParser.EXPECTED;
  }

  // ---- cleanup ----

  private Future<CleanupRecord> runCleanup(String trigger) {
    Instant at = clock.instant();
    Double rssBefore;
    synchronized (lock) {
      if (!cleanups.begin(at)) {
        return Future.failedFuture(new IllegalStateException("a memory cleanup is already running"));
      }
      MemorySample last = history.latest();
      rssBefore = last == null ? null : last.rssMiB();
    }
    URI target = opts.cleanupUrl();
    long timeout = opts.pollTimeout().toMillis() * CLEANUP_TIMEOUT_FACTOR;
    return fetcher.send(HttpMethod.POST, target, timeout)
        .map(a -> new CleanupRecord(at, trigger, a.status(),
            a.status() >= 200 && a.status() <= 299 ? null : "cleanup endpoint " + target + " answered HTTP " + a.status(),
            rssBefore, null))
        .otherwise(err -> new CleanupRecord(at, trigger, null, "cleanup endpoint " + target + " failed: "
            + TransportErrors.plainAndLog("memory cleanup", err, java.time.Duration.ofMillis(timeout)),
            rssBefore, null))
        .map(rec -> {
          synchronized (lock) {
            cleanups.finished(rec, pollsStarted);
          }
          return rec;
        });
  }

  static <T> void remember(Deque<T> ring, T item) {
    if (ring.size() >= MAX_EVENTS) {
      ring.removeFirst();
    }
    ring.addLast(item);
  }

  // ---- figures (also read by the gauges) ----

  private Double limitMiB() {
    if (opts.limitBytes() != null) {
      return opts.limitBytes() / BYTES_PER_MIB;
    }
    return reportedLimitMiB;
  }

  private static Double percent(MemorySample s, Double limitMiB) {
    return s == null || limitMiB == null ? null : s.rssMiB() / limitMiB * 100;
  }

  double rssBytes() {
    synchronized (lock) {
      MemorySample last = history.latest();
      return last == null || machine.state() == MemoryState.UNKNOWN && consecutiveFailures > 0
          ? Double.NaN : last.rssMiB() * BYTES_PER_MIB;
    }
  }

  double limitBytes() {
    synchronized (lock) {
      Double l = limitMiB();
      return l == null ? Double.NaN : l * BYTES_PER_MIB;
    }
  }

  double trendBytesPerSecond() {
    synchronized (lock) {
      Double s = trend.slopeMiBPerHour();
      return s == null ? Double.NaN : s * BYTES_PER_MIB / 3600;
    }
  }

  double projectedSeconds() {
    synchronized (lock) {
      MemorySample last = history.latest();
      Double p = last == null ? null : trend.projectedSeconds(last.rssMiB(), limitMiB());
      return p == null ? Double.NaN : p;
    }
  }

}
