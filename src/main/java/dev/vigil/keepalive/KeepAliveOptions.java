package dev.vigil.keepalive;

import java.net.URI;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The keep-alive settings ({@code keepalive.*} in the configuration), frozen as an immutable record.
 *
 * <p>Start from {@link #defaults(URI)} and change single values with the {@code with*} methods.
 * The canonical constructor only rejects {@code null} components and copies the window list;
 * range checks are done by {@link #validate()}, which reports every problem at once so that
 * start-up can print them all and exit.
 *
 * @param enabled         {@code keepalive.enabled}, default {@value #DEFAULT_ENABLED}
 * @param target          {@code keepalive.target}, default upstream + {@value #DEFAULT_TARGET_PATH}
 * @param timezone        {@code keepalive.timezone}: the zone the windows' wall-clock times are read in, default UTC
 * @param windows         {@code keepalive.windows}: day-time windows with their own interval, default 07:00-22:00 every 10m
 * @param defaultInterval {@code keepalive.defaultInterval}: the interval outside every window, default 30m
 * @param timeout         {@code keepalive.timeout}: how long one ping may take, default 5s
 * @param jitter          {@code keepalive.jitter}: fraction each delay is randomly stretched or shrunk by, default 0.10 (±10%)
 * @param maxBackoff      {@code keepalive.maxBackoff}: ceiling of the doubled delay after failures, default 1h
 */
public record KeepAliveOptions(
    boolean enabled,
    URI target,
    ZoneId timezone,
    List<Window> windows,
    Duration defaultInterval,
    Duration timeout,
    double jitter,
    Duration maxBackoff) {

  public static final boolean DEFAULT_ENABLED = true;
  /** Appended to the upstream URL when no target is configured. */
  public static final String DEFAULT_TARGET_PATH = "/api/health";
  public static final ZoneId DEFAULT_TIMEZONE = ZoneOffset.UTC;
  /** Daytime is when free-tier hosts see users, so it gets the short interval. */
  public static final List<Window> DEFAULT_WINDOWS =
      List.of(new Window(LocalTime.of(7, 0), LocalTime.of(22, 0), Duration.ofMinutes(10)));
  /** Outside the windows users are rare: ping less often and let a free-tier host save its hours. */
  public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(30);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  /** Spreads replicas and restarts apart so they do not ping in lock-step. */
  public static final double DEFAULT_JITTER = 0.10;
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofHours(1);
  /** Larger jitter would make the schedule meaningless (a 10m interval could become 1m or 19m). */
  public static final double MAX_JITTER = 0.5;

  /**
   * One wall-clock window of the day with its own ping interval. {@code from} is inclusive and
   * {@code to} exclusive; a window with {@code from} after {@code to} wraps midnight
   * (22:00-06:00 covers the night).
   */
  public record Window(LocalTime from, LocalTime to, Duration interval) {
    public Window {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
      Objects.requireNonNull(interval, "interval");
    }

    /** Whether this window wraps midnight. */
    public boolean wraps() {
      return from.isAfter(to);
    }

    /** Whether the wall-clock time {@code t} lies in {@code [from, to)}, wrapping midnight if needed. */
    public boolean contains(LocalTime t) {
      return wraps()
          ? !t.isBefore(from) || t.isBefore(to)
          : !t.isBefore(from) && t.isBefore(to);
    }

    @Override
    public String toString() {
      return from + "-" + to + " every " + interval;
    }
  }

  public KeepAliveOptions {
    Objects.requireNonNull(target, "target");
    Objects.requireNonNull(timezone, "timezone");
    windows = List.copyOf(Objects.requireNonNull(windows, "windows"));
    Objects.requireNonNull(defaultInterval, "defaultInterval");
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(maxBackoff, "maxBackoff");
  }

  /**
   * The contract's defaults for an application at {@code upstream}: the target is
   * {@code upstream + /api/health}.
   */
  public static KeepAliveOptions defaults(URI upstream) {
    String base = upstream.toString();
    if (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    return new KeepAliveOptions(DEFAULT_ENABLED, URI.create(base + DEFAULT_TARGET_PATH),
        DEFAULT_TIMEZONE, DEFAULT_WINDOWS, DEFAULT_INTERVAL, DEFAULT_TIMEOUT, DEFAULT_JITTER,
        DEFAULT_MAX_BACKOFF);
  }

  public KeepAliveOptions withEnabled(boolean value) {
    return new KeepAliveOptions(value, target, timezone, windows, defaultInterval, timeout, jitter, maxBackoff);
  }

  public KeepAliveOptions withTarget(URI value) {
    return new KeepAliveOptions(enabled, value, timezone, windows, defaultInterval, timeout, jitter, maxBackoff);
  }

  public KeepAliveOptions withTimezone(ZoneId value) {
    return new KeepAliveOptions(enabled, target, value, windows, defaultInterval, timeout, jitter, maxBackoff);
  }

  public KeepAliveOptions withWindows(List<Window> value) {
    return new KeepAliveOptions(enabled, target, timezone, value, defaultInterval, timeout, jitter, maxBackoff);
  }

  public KeepAliveOptions withDefaultInterval(Duration value) {
    return new KeepAliveOptions(enabled, target, timezone, windows, value, timeout, jitter, maxBackoff);
  }

  public KeepAliveOptions withTimeout(Duration value) {
    return new KeepAliveOptions(enabled, target, timezone, windows, defaultInterval, value, jitter, maxBackoff);
  }

  public KeepAliveOptions withJitter(double value) {
    return new KeepAliveOptions(enabled, target, timezone, windows, defaultInterval, timeout, value, maxBackoff);
  }

  public KeepAliveOptions withMaxBackoff(Duration value) {
    return new KeepAliveOptions(enabled, target, timezone, windows, defaultInterval, timeout, jitter, value);
  }

  /**
   * Checks ranges and consistency. Each error is one line that names the key, the value and
   * what is allowed, e.g. {@code keepalive.windows[0].interval: 0s is not allowed; must be
   * positive}. Returns an empty list when the options are usable.
   */
  public List<String> validate() {
    List<String> errors = new ArrayList<>();
    String scheme = target.getScheme();
    if (!("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme)) || target.getHost() == null) {
      errors.add("keepalive.target: '" + target + "' is not allowed; must be an absolute http:// or https:// URL with a host");
    }
    requirePositive(errors, "keepalive.defaultInterval", defaultInterval);
    requirePositive(errors, "keepalive.timeout", timeout);
    requirePositive(errors, "keepalive.maxBackoff", maxBackoff);
    if (!(jitter >= 0 && jitter <= MAX_JITTER)) {
      errors.add("keepalive.jitter: " + jitter + " is not allowed; must be a fraction between 0 and "
          + MAX_JITTER + " (0.10 = ±10%)");
    }
    for (int i = 0; i < windows.size(); i++) {
      Window w = windows.get(i);
      String key = "keepalive.windows[" + i + "]";
      requirePositive(errors, key + ".interval", w.interval());
      if (w.from().equals(w.to())) {
        errors.add(key + ".to: " + w.to() + " equals from; a window must not be empty "
            + "(use keepalive.defaultInterval for the whole day)");
        continue;
      }
      for (int j = 0; j < i; j++) {
        Window other = windows.get(j);
        if (!other.from().equals(other.to()) && overlap(w, other)) {
          errors.add(key + ": " + w.from() + "-" + w.to() + " overlaps keepalive.windows[" + j + "] "
              + other.from() + "-" + other.to() + "; windows must not overlap");
        }
      }
    }
    return errors;
  }

  private static void requirePositive(List<String> errors, String key, Duration d) {
    if (d.isZero() || d.isNegative()) {
      errors.add(key + ": " + Durations.format(d) + " is not allowed; must be positive");
    }
  }

  /** Two windows overlap when any of their (midnight-split) pieces of the day intersect. */
  private static boolean overlap(Window a, Window b) {
    for (long[] pa : pieces(a)) {
      for (long[] pb : pieces(b)) {
        if (pa[0] < pb[1] && pb[0] < pa[1]) {
          return true;
        }
      }
    }
    return false;
  }

  private static final long DAY_NANOS = Duration.ofDays(1).toNanos();

  /** Half-open nano-of-day ranges covered by the window; a wrapping window gives two. */
  private static long[][] pieces(Window w) {
    long from = w.from().toNanoOfDay();
    long to = w.to().toNanoOfDay();
    if (from < to) {
      return new long[][] {{from, to}};
    }
    return new long[][] {{from, DAY_NANOS}, {0, to}};
  }
}
