package dev.vigil.keepalive;

import dev.vigil.keepalive.KeepAliveOptions.Window;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.zone.ZoneRules;
import java.util.List;
import java.util.TreeSet;
import java.util.function.DoubleSupplier;

/**
 * The pure keep-alive timing policy: which interval is in force at an instant, and how long to
 * wait before the next ping. No Vert.x, no I/O, no clock of its own: callers pass the instant.
 *
 * <h2>Rules</h2>
 * <ul>
 *   <li><b>Windows</b> are read on the wall clock of the configured zone: an instant is converted
 *       to local time and matched against each window's {@code [from, to)}. A window whose
 *       {@code from} is after its {@code to} wraps midnight. Outside every window the default
 *       interval applies. Because matching uses local time, daylight-saving changes need no
 *       special case: on a spring-forward day the skipped hour simply never matches, and on a
 *       fall-back day the repeated hour matches twice with the same interval.</li>
 *   <li><b>Jitter</b>: the delay is multiplied by a factor drawn uniformly from
 *       {@code [1 - jitter, 1 + jitter)}.</li>
 *   <li><b>Back-off</b>: after {@code n} consecutive failures the delay is
 *       {@code interval * 2^n}, capped at {@code maxBackoff} (the cap never shortens the normal
 *       interval: when the interval itself is longer than {@code maxBackoff}, the interval is the
 *       cap). The cap also holds after jitter.</li>
 *   <li><b>Pulled earlier at a window boundary</b>: without failures, if the plain delay would
 *       carry the next ping past the start of a period with a <em>shorter</em> interval, the ping
 *       is due at most one (jittered) new interval after that boundary. Example with the
 *       defaults: at 06:55 the 30m night interval would ping at 07:25, but the 10m day window
 *       starts at 07:00, so the ping comes at 07:10. Boundaries into a longer interval change
 *       nothing (the shorter, already running delay stands). While backing off, boundaries are
 *       ignored: a failing target is not pinged sooner because the day started.</li>
 * </ul>
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class KeepAliveSchedule {
  /** More boundaries than this inside one delay cannot happen with validated windows. */
  private static final int MAX_BOUNDARY_STEPS = 64;
  private static final int MAX_DOUBLINGS = 40;

  private final ZoneId zone;
  private final ZoneRules rules;
  private final List<Window> windows;
  private final Duration defaultInterval;
  private final double jitter;
  private final Duration maxBackoff;
  /** Every distinct wall-clock time at which the interval in force may change. */
  private final List<LocalTime> boundaries;

  /** Builds the policy from validated options (see {@link KeepAliveOptions#validate()}). */
  public KeepAliveSchedule(KeepAliveOptions options) {
    this.zone = options.timezone();
    this.rules = zone.getRules();
    this.windows = options.windows();
    this.defaultInterval = options.defaultInterval();
    this.jitter = options.jitter();
    this.maxBackoff = options.maxBackoff();
    TreeSet<LocalTime> times = new TreeSet<>();
    for (Window w : windows) {
      times.add(w.from());
      times.add(w.to());
    }
    this.boundaries = List.copyOf(times);
  }

  /** The base interval (no jitter, no back-off) in force at {@code instant}. */
  public Duration intervalAt(Instant instant) {
    LocalTime local = instant.atZone(zone).toLocalTime();
    for (Window w : windows) {
      if (w.contains(local)) {
        return w.interval();
      }
    }
    return defaultInterval;
  }

  /**
   * How long to wait, from {@code now}, before the next ping.
   *
   * @param now                 the current instant
   * @param consecutiveFailures pings failed in a row so far (0 when the last one succeeded)
   * @param random              uniform source in {@code [0, 1)}, e.g. {@code ThreadLocalRandom.current()::nextDouble};
   *                            drawn exactly once per call
   */
  public Duration nextDelay(Instant now, int consecutiveFailures, DoubleSupplier random) {
    double factor = jitterFactor(random.getAsDouble());
    Duration base = intervalAt(now);
    if (consecutiveFailures > 0) {
      Duration cap = base.compareTo(maxBackoff) > 0 ? base : maxBackoff;
      Duration backedOff = min(doubled(base, consecutiveFailures), cap);
      return min(scale(backedOff, factor), cap);
    }
    Instant due = now.plus(scale(base, factor));
    Instant from = now;
    for (int i = 0; i < MAX_BOUNDARY_STEPS; i++) {
      Instant boundary = nextBoundaryAfter(from);
      if (boundary == null || !boundary.isBefore(due)) {
        break;
      }
      Instant pulled = boundary.plus(scale(intervalAt(boundary), factor));
      if (pulled.isBefore(due)) {
        due = pulled;
      }
      from = boundary;
    }
    return Duration.between(now, due);
  }

  /** The jitter multiplier for a uniform draw {@code r} in [0, 1). */
  double jitterFactor(double r) {
    double clamped = Double.isNaN(r) ? 0.5 : Math.min(Math.max(r, 0.0), 1.0);
    return 1.0 + jitter * (2.0 * clamped - 1.0);
  }

  /**
   * The first instant strictly after {@code t} at which the local wall clock reaches a window
   * boundary, or null without windows. A boundary inside a spring-forward gap takes effect at
   * the end of the gap; one inside a fall-back overlap occurs twice.
   */
  Instant nextBoundaryAfter(Instant t) {
    if (boundaries.isEmpty()) {
      return null;
    }
    LocalDate day = t.atZone(zone).toLocalDate();
    Instant best = null;
    // Three days also cover zones that once skipped a whole calendar day (Pacific/Apia, 2011).
    for (int d = 0; d < 3; d++) {
      for (LocalTime time : boundaries) {
        LocalDateTime local = LocalDateTime.of(day.plusDays(d), time);
        for (Instant candidate : instantsOf(local)) {
          if (candidate.isAfter(t) && (best == null || candidate.isBefore(best))) {
            best = candidate;
          }
        }
      }
      if (best != null) {
        return best;
      }
    }
    return best;
  }

  private List<Instant> instantsOf(LocalDateTime local) {
    var offsets = rules.getValidOffsets(local);
    if (offsets.isEmpty()) {
      return List.of(rules.getTransition(local).getInstant());
    }
    ZonedDateTime earlier = ZonedDateTime.ofLocal(local, zone, offsets.get(0));
    if (offsets.size() == 1) {
      return List.of(earlier.toInstant());
    }
    return List.of(earlier.toInstant(), earlier.withLaterOffsetAtOverlap().toInstant());
  }

  private static Duration doubled(Duration base, int times) {
    Duration d = base;
    for (int i = 0; i < Math.min(times, MAX_DOUBLINGS); i++) {
      d = d.multipliedBy(2);
    }
    return d;
  }

  private static Duration scale(Duration d, double factor) {
    return Duration.ofNanos(Math.round(d.toNanos() * factor));
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
