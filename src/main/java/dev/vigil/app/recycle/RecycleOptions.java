package dev.vigil.app.recycle;

import dev.vigil.memory.MemoryState;
import java.time.Duration;

/**
 * Frozen {@code recycle.*} settings. The compact constructor
 * rejects bad values with an {@link IllegalArgumentException} naming the key.
 *
 * @param enabled        {@code recycle.enabled}, default false
 * @param at             {@code recycle.at}: the memory state that makes a recycle due ({@code warning} or
 *                       {@code critical}), default {@link #DEFAULT_AT}
 * @param horizon        {@code recycle.horizon}: due when the steady projection puts the limit closer than
 *                       this, default {@link #DEFAULT_HORIZON}
 * @param minInterval    {@code recycle.minInterval}: never two recycles closer than this, default {@link #DEFAULT_MIN_INTERVAL}
 * @param margin         {@code recycle.margin}: share of the limit kept free during an overlap, default {@link #DEFAULT_MARGIN}
 * @param maxConcurrent  {@code recycle.maxConcurrent}: replicas of one app.name recycling at once (with Redis),
 *                       default {@link #DEFAULT_MAX_CONCURRENT}
 * @param baselineAfter  {@code recycle.baselineAfter}: a fresh child's memory this long after it became
 *                       healthy is its footprint (the baseline), default {@link #DEFAULT_BASELINE_AFTER}
 * @param lead           {@code recycle.lead}: how long a recycle takes at most (start, health, drain): the
 *                       policy recycles this long before an overlap would stop fitting, default {@link #DEFAULT_LEAD}
 */
public record RecycleOptions(boolean enabled, MemoryState at, Duration horizon, Duration minInterval, double margin,
    int maxConcurrent, Duration baselineAfter, Duration lead) {

  public static final MemoryState DEFAULT_AT = MemoryState.CRITICAL;
  /** Ten minutes leaves room for a slow start and a full drain before the limit. */
  public static final Duration DEFAULT_HORIZON = Duration.ofMinutes(10);
  /** A restart costs a warm cache: at most one per five minutes, whatever the memory says. */
  public static final Duration DEFAULT_MIN_INTERVAL = Duration.ofMinutes(5);
  public static final double DEFAULT_MARGIN = 0.10;
  public static final int DEFAULT_MAX_CONCURRENT = 1;
  /** The definition of the footprint: a minute after the child became healthy. */
  public static final Duration DEFAULT_BASELINE_AFTER = Duration.ofMinutes(1);
  public static final Duration DEFAULT_LEAD = Duration.ofMinutes(2);

  public RecycleOptions {
    if (at != MemoryState.WARNING && at != MemoryState.CRITICAL) {
      throw new IllegalArgumentException("recycle.at = " + at + ": expected warning or critical");
    }
    positive("recycle.horizon", horizon);
    if (minInterval == null || minInterval.isNegative()) {
      throw new IllegalArgumentException("recycle.minInterval = " + minInterval + ": expected 0 or more");
    }
    if (!(margin >= 0 && margin < 1)) {
      throw new IllegalArgumentException("recycle.margin = " + margin + ": expected a share from 0% to below 100%");
    }
    if (maxConcurrent < 1) {
      throw new IllegalArgumentException("recycle.maxConcurrent = " + maxConcurrent + ": expected at least 1");
    }
    positive("recycle.baselineAfter", baselineAfter);
    if (lead == null || lead.isNegative()) {
      throw new IllegalArgumentException("recycle.lead = " + lead + ": expected 0 or more");
    }
  }

  private static void positive(String key, Duration d) {
    if (d == null || d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(key + " = " + d + ": expected a positive duration");
    }
  }

  /** The contract's defaults (recycling off). */
  public static RecycleOptions defaults() {
    return new RecycleOptions(false, DEFAULT_AT, DEFAULT_HORIZON, DEFAULT_MIN_INTERVAL, DEFAULT_MARGIN,
        DEFAULT_MAX_CONCURRENT, DEFAULT_BASELINE_AFTER, DEFAULT_LEAD);
  }

  public RecycleOptions withEnabled(boolean on) {
    return new RecycleOptions(on, at, horizon, minInterval, margin, maxConcurrent, baselineAfter, lead);
  }

  public RecycleOptions withAt(MemoryState state) {
    return new RecycleOptions(enabled, state, horizon, minInterval, margin, maxConcurrent, baselineAfter, lead);
  }

  public RecycleOptions withHorizon(Duration d) {
    return new RecycleOptions(enabled, at, d, minInterval, margin, maxConcurrent, baselineAfter, lead);
  }

  public RecycleOptions withMinInterval(Duration d) {
    return new RecycleOptions(enabled, at, horizon, d, margin, maxConcurrent, baselineAfter, lead);
  }

  public RecycleOptions withMargin(double share) {
    return new RecycleOptions(enabled, at, horizon, minInterval, share, maxConcurrent, baselineAfter, lead);
  }

  public RecycleOptions withMaxConcurrent(int n) {
    return new RecycleOptions(enabled, at, horizon, minInterval, margin, n, baselineAfter, lead);
  }

  public RecycleOptions withBaselineAfter(Duration d) {
    return new RecycleOptions(enabled, at, horizon, minInterval, margin, maxConcurrent, d, lead);
  }

  public RecycleOptions withLead(Duration d) {
    return new RecycleOptions(enabled, at, horizon, minInterval, margin, maxConcurrent, baselineAfter, d);
  }
}
