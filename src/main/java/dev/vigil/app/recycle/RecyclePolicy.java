package dev.vigil.app.recycle;

import dev.vigil.app.recycle.RecycleDecision.Action;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * When to recycle the app and how. Pure: no clock, no Vert.x; the caller passes the time and the
 * newest memory figures at each sample, and reports each recycle with {@link #recycled(Instant)}.
 *
 * <p>A recycle is <b>due</b> when any of these holds:
 * <ol>
 *   <li>the memory state is at least {@code recycle.at};</li>
 *   <li>the steady projection reaches the limit in less than {@code recycle.horizon};</li>
 *   <li>a baseline is known, an overlap still fits (current + baseline + margin under the limit), and
 *   at the fitted slope it stops fitting within {@code lead}: recycling now keeps hold the exception.</li>
 * </ol>
 * A due recycle waits when the last one was less than {@code recycle.minInterval} ago. With
 * {@code memory.cleanup.url} set, the first due sample asks for the cleanup call instead, and the
 * recycle happens only if, {@value #CLEANUP_SAMPLES} samples later, it is still due.
 *
 * <p>The <b>path</b> is overlap when current + baseline + margin fits under the limit (or there is no
 * limit), else hold (also while no baseline is known: a second child of unknown size could be the
 * one that gets the whole cgroup OOM-killed).
 *
 * <p>Not thread-safe: call it from one thread (the recycler's context).
 */
public final class RecyclePolicy {

  /** Samples after a cleanup call that must still be due before the recycle happens. */
  public static final int CLEANUP_SAMPLES = 2;

  private final RecycleOptions opts;
  private final boolean cleanupConfigured;
  private final double atPercent;
  private Instant lastRecycle;
  private Instant cleanupAt;
  private Instant lastSample;
  private int samplesSinceCleanup;

  /** With the default thresholds of {@code memory.warnPercent} and {@code memory.criticalPercent}. */
  public RecyclePolicy(RecycleOptions opts, boolean cleanupConfigured) {
    this(opts, cleanupConfigured, opts.at() == dev.vigil.memory.MemoryState.WARNING
        ? dev.vigil.memory.MemoryWatchOptions.DEFAULT_WARN_PERCENT
        : dev.vigil.memory.MemoryWatchOptions.DEFAULT_CRITICAL_PERCENT);
  }

  /**
   * @param cleanupConfigured {@code memory.cleanup.url} is set: a cleanup call comes before a recycle
   * @param atPercent         the share of the limit behind {@code recycle.at} ({@code memory.warnPercent} or
   *                          {@code memory.criticalPercent}): the state alone does not make a recycle due
   *                          once memory fell back under it (the state machine clears only a few samples later)
   */
  public RecyclePolicy(RecycleOptions opts, boolean cleanupConfigured, double atPercent) {
    this.opts = opts;
    this.cleanupConfigured = cleanupConfigured;
    this.atPercent = atPercent;
  }

  /**
   * Decides at one sample.
   *
   * @param now       the time now
   * @param view      the newest memory figures, or null without any
   * @param baselineMiB a fresh child's footprint, or null while unknown
   */
  public RecycleDecision evaluate(Instant now, MemoryView view, Double baselineMiB) {
    if (view == null) {
      return RecycleDecision.NONE;
    }
    boolean newSample = lastSample == null || view.t().isAfter(lastSample);
    lastSample = view.t();
    String due = dueReason(view, baselineMiB);
    if (due == null) {
      cleanupAt = null; // memory fell back (after a cleanup, or on its own): the episode is over
      return RecycleDecision.NONE;
    }
    if (lastRecycle != null && Duration.between(lastRecycle, now).compareTo(opts.minInterval()) < 0) {
      return new RecycleDecision(Action.DEFERRED, due + "; waiting: the last recycle was "
          + human(Duration.between(lastRecycle, now)) + " ago (recycle.minInterval " + human(opts.minInterval()) + ")",
          null, null);
    }
    if (cleanupConfigured) {
      if (cleanupAt == null) {
        cleanupAt = now;
        samplesSinceCleanup = 0;
        return new RecycleDecision(Action.CLEANUP, due, null, null);
      }
      if (newSample && view.t().isAfter(cleanupAt)) {
        samplesSinceCleanup++;
      }
      if (samplesSinceCleanup < CLEANUP_SAMPLES) {
        return RecycleDecision.NONE;
      }
      due = due + "; the cleanup call did not bring it back";
    }
    return decide(due, view, baselineMiB);
  }

  /** A recycle asked for by hand ({@code POST /sidecar/app/recycle}): due now, path as usual. */
  public RecycleDecision manual(MemoryView view, Double baselineMiB) {
    return decide("requested by hand (POST /sidecar/app/recycle)", view, baselineMiB);
  }

  /** A recycle happened (whatever its outcome): the minimum interval counts from here. */
  public void recycled(Instant at) {
    lastRecycle = at;
    cleanupAt = null;
  }

  public Instant lastRecycle() {
    return lastRecycle;
  }

  private RecycleDecision decide(String reason, MemoryView view, Double baselineMiB) {
    RecyclePath path;
    String why;
    Double limit = view == null ? null : view.limitMiB();
    if (limit == null) {
      path = RecyclePath.OVERLAP;
      why = "no memory limit is known, so two children cannot exceed one";
    } else if (baselineMiB == null) {
      path = RecyclePath.HOLD;
      why = "the fresh app's footprint is not known yet, so a second child might not fit";
    } else {
      double need = view.rssMiB() + baselineMiB + opts.margin() * limit;
      path = need <= limit ? RecyclePath.OVERLAP : RecyclePath.HOLD;
      why = String.format(Locale.ROOT, "%s MiB + %s MiB baseline + %s MiB margin = %s MiB %s under the %s MiB limit",
          mib(view.rssMiB()), mib(baselineMiB), mib(opts.margin() * limit), mib(need),
          path == RecyclePath.OVERLAP ? "fits" : "does not fit", mib(limit));
    }
    return new RecycleDecision(Action.RECYCLE, reason, path, why);
  }

  /** Why a recycle is due now, or null when it is not. */
  private String dueReason(MemoryView view, Double baselineMiB) {
    Double limit = view.limitMiB();
    boolean stillAbove = limit == null || view.rssMiB() >= atPercent / 100 * limit;
    if (view.state().compareTo(opts.at()) >= 0 && stillAbove) {
      return "memory is " + view.state().label() + (limit == null ? "" : String.format(Locale.ROOT,
          " (%s of %s MiB)", percent(view.rssMiB(), limit), mib(limit)));
    }
    if (limit == null) {
      return null;
    }
    Double toLimit = view.secondsUntil(limit);
    if (toLimit != null && toLimit < opts.horizon().toSeconds()) {
      return String.format(Locale.ROOT, "the %s MiB limit is %s away at %.1f MiB/h (recycle.horizon %s)",
          mib(limit), human(Duration.ofSeconds(Math.round(toLimit))), view.slopeMiBPerHour(), human(opts.horizon()));
    }
    if (baselineMiB != null) {
      double overlapCeiling = limit - opts.margin() * limit - baselineMiB;
      Double toNoOverlap = view.rssMiB() < overlapCeiling ? view.secondsUntil(overlapCeiling) : null;
      if (toNoOverlap != null && toNoOverlap < opts.lead().toSeconds()) {
        return String.format(Locale.ROOT, "in %s a second child (%s MiB) would no longer fit under the %s MiB limit"
                + " at %.1f MiB/h", human(Duration.ofSeconds(Math.round(toNoOverlap))), mib(baselineMiB), mib(limit),
            view.slopeMiBPerHour());
      }
    }
    return null;
  }

  static String mib(double v) {
    return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.1f", v);
  }

  private static String percent(double rss, double limit) {
    return String.format(Locale.ROOT, "%.0f%%", 100 * rss / limit);
  }

  static String human(Duration d) {
    long s = d.toSeconds();
    if (s < 60) {
      return s + " s";
    }
    if (s < 3600) {
      return s % 60 == 0 ? s / 60 + " min" : s / 60 + " min " + s % 60 + " s";
    }
    return s / 3600 + " h " + (s % 3600) / 60 + " min";
  }
}
