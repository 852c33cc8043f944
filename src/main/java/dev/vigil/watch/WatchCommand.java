package dev.vigil.watch;

import dev.vigil.memory.MemoryEndpoint;
import dev.vigil.memory.MemoryReading;
import dev.vigil.memory.MemoryTracker;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * {@code vigil watch}: the memory watch without the proxy, against apps that already run. Polls run
 * on a small Vert.x instance; this command's own thread (never an event loop) waits for each round,
 * prints, writes the sample file and sleeps until the next round. A failed poll is one line and the
 * watch goes on. Ends after {@code --duration} or on Ctrl+C (SIGINT), with the summary.
 */
public final class WatchCommand {

  public static final int EXIT_OK = 0;
  public static final int EXIT_LEAK = 1;
  public static final int EXIT_USAGE = 2;
  /** A poll waits this long at most: the sidecar's {@code memory.poll.timeout} default. */
  static final Duration POLL_TIMEOUT = Duration.ofSeconds(2);
  private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

  private final WatchOptions opts;
  private final PrintStream out;
  private final PrintStream err;
  private final CountDownLatch stop = new CountDownLatch(1);

  private WatchCommand(WatchOptions opts, PrintStream out, PrintStream err) {
    this.opts = opts;
    this.out = out;
    this.err = err;
  }

  /**
   * Runs the watch on the calling thread until it ends; returns the exit code.
   *
   * @param args           the arguments after {@code watch}
   * @param handleSigint   end with the summary on Ctrl+C (the command line); tests pass false
   */
  public static int run(String[] args, PrintStream out, PrintStream err, boolean handleSigint) {
    for (String a : args) {
      if (a.equals("--help") || a.equals("-h")) {
        out.print(WatchOptions.USAGE);
        return EXIT_OK;
      }
    }
    WatchOptions opts;
    try {
      opts = WatchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      err.println("vigil: watch: " + e.getMessage());
      return EXIT_USAGE;
    }
    WatchCommand cmd = new WatchCommand(opts, out, err);
    SignalHandler previous = handleSigint ? Signal.handle(new Signal("INT"), s -> cmd.stop()) : null;
    try {
      return cmd.watch();
    } finally {
      if (previous != null) {
        Signal.handle(new Signal("INT"), previous);
      }
    }
  }

  /** Ends the watch after the round in progress (what Ctrl+C does). */
  void stop() {
    stop.countDown();
  }

  private int watch() {
    SampleFile file;
    try {
      file = opts.out() == null ? null : new SampleFile(opts.out(), opts.csv());
    } catch (IllegalArgumentException e) {
      err.println("vigil: watch: " + e.getMessage());
      return EXIT_USAGE;
    }
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
        .setInternalBlockingPoolSize(1));
    List<WatchedApp> apps = new ArrayList<>();
    List<MemoryEndpoint> endpoints = new ArrayList<>();
    for (var url : opts.urls()) {
      apps.add(new WatchedApp(url, opts.interval()));
      endpoints.add(new MemoryEndpoint(vertx, url));
    }
    Duration timeout = POLL_TIMEOUT;
    out.println("vigil watch: " + apps.size() + (apps.size() == 1 ? " app" : " apps") + " every "
        + human(opts.interval().toNanos() / 1e9)
        + (opts.duration() == null ? " until Ctrl+C" : " for " + human(opts.duration().toNanos() / 1e9))
        + (opts.out() == null ? "" : ", samples to " + opts.out()));
    long started = System.nanoTime();
    long end = opts.duration() == null ? Long.MAX_VALUE : started + opts.duration().toNanos();
    long next = started;
    try {
      while (true) {
        round(endpoints, apps, timeout, file);
        long now = System.nanoTime();
        // Fixed rate, but a round that overran is not made up for with a burst of polls.
        next = Math.max(next + opts.interval().toNanos(), now);
        if (next - end >= 0) {
          break;
        }
        if (next - now > 0 && stop.await(next - now, TimeUnit.NANOSECONDS) || stop.getCount() == 0) {
          break;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      if (file != null) {
        file.close();
      }
      Future.join(endpoints.stream().map(MemoryEndpoint::close).toList()).eventually(vertx::close);
    }
    double elapsed = (System.nanoTime() - started) / 1e9;
    boolean leak = false;
    for (WatchedApp app : apps) {
      summary(app, elapsed);
      leak |= app.leakSuspected();
    }
    return opts.failOnLeak() && leak ? EXIT_LEAK : EXIT_OK;
  }

  /** Polls every app at once and reports each answer in the order the URLs were given. */
  private void round(List<MemoryEndpoint> endpoints, List<WatchedApp> apps, Duration timeout, SampleFile file) {
    List<Future<Object>> reads = new ArrayList<>();
    for (MemoryEndpoint e : endpoints) {
      reads.add(e.read(timeout).<Object>map(r -> new Answer(Instant.now(), r))
          .otherwise(x -> new Failure(Instant.now(), x.getMessage())));
    }
    Future.join(reads).await();
    for (int i = 0; i < apps.size(); i++) {
      WatchedApp app = apps.get(i);
      String label = label(app);
      Object result = reads.get(i).result();
      if (result instanceof Answer a) {
        MemoryTracker.Point p = app.sampled(a.t(), a.reading());
        out.println(line(label, p));
        if (file != null) {
          file.sample(app.url().toString(), p);
        }
      } else if (result instanceof Failure f) {
        app.failed();
        out.println(CLOCK.format(f.t()) + "  " + label + "  error: " + f.message());
        if (file != null) {
          file.failure(f.t(), app.url().toString(), f.message());
        }
      }
    }
    out.flush();
  }

  private record Answer(Instant t, MemoryReading reading) {
  }

  private record Failure(Instant t, String message) {
  }

  static String line(String label, MemoryTracker.Point p) {
    StringBuilder s = new StringBuilder(CLOCK.format(p.t())).append("  ").append(label)
        .append(SampleFile.fmt("  rss %.1f MiB", p.rssMiB()));
    if (p.percent() != null) {
      s.append(SampleFile.fmt(" (%.0f%% of %.0f MiB)", p.percent(), p.limitMiB()));
    }
    if (p.slopeMiBPerHour() == null) {
      s.append("  trend n/a");
    } else {
      s.append(SampleFile.fmt("  trend %+.1f MiB/h R² %.2f", p.slopeMiBPerHour(), p.r2()));
    }
    s.append(p.projectedLimitInS() == null ? "  limit not in sight" : "  limit in " + human(p.projectedLimitInS()));
    s.append("  ").append(p.state().label());
    if (p.leakSuspected()) {
      s.append(", leak suspected");
    }
    return s.toString();
  }

  private void summary(WatchedApp app, double elapsedS) {
    MemoryTracker.Point p = app.last();
    out.println();
    out.println("summary " + app.url());
    out.println(SampleFile.fmt("  samples   %d (%d failed polls) over %s", app.samples(), app.failures(),
        human(elapsedS)));
    if (p == null) {
      out.println("  no sample was read");
      return;
    }
    out.println(SampleFile.fmt("  rss       min %.1f  mean %.1f  max %.1f MiB", app.min(), app.mean(), app.max()));
    out.println(p.slopeMiBPerHour() == null ? "  slope     n/a (fewer than 2 samples)"
        : SampleFile.fmt("  slope     %+.1f MiB/h (R² %.3f)%s", p.slopeMiBPerHour(), p.r2(),
            p.floorSlopeMiBPerHour() == null ? "" : SampleFile.fmt(", floor %+.1f MiB/h", p.floorSlopeMiBPerHour())));
    out.println("  leak      " + (p.leakSuspected() ? "suspected" : "not suspected"));
    out.println("  limit     " + (p.projectedLimitInS() == null
        ? (p.limitMiB() == null ? "unknown (the app reports none)" : "not reached at this slope")
        : "reached in about " + human(p.projectedLimitInS()) + SampleFile.fmt(" (%.0f MiB)", p.limitMiB())));
    out.flush();
  }

  private static String label(WatchedApp app) {
    var u = app.url();
    return u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort()) + u.getRawPath();
  }

  static String human(double seconds) {
    if (seconds >= 86_400) {
      return SampleFile.fmt("%.1f d", seconds / 86_400);
    }
    if (seconds >= 3600) {
      return SampleFile.fmt("%.1f h", seconds / 3600);
    }
    if (seconds >= 120) {
      return SampleFile.fmt("%.0f min", seconds / 60);
    }
    if (seconds >= 10) {
      return SampleFile.fmt("%.0f s", seconds);
    }
    if (seconds >= 1) {
      return SampleFile.fmt("%.1f s", seconds);
    }
    return SampleFile.fmt("%.0f ms", seconds * 1000);
  }
}
