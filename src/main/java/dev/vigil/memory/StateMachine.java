package dev.vigil.memory;

import java.time.Duration;

/**
 * Turns each sample's raw level into a state that does not flap. Not thread-safe.
 *
 * <p>Levels: {@code critical} when rss is at least {@code criticalPercent} of the limit or a steady
 * projection reaches the limit within {@code criticalHorizon}; {@code warning} likewise with
 * {@code warnPercent} / {@code warnHorizon}; otherwise {@code ok}.
 *
 * <p>Hysteresis: the first valid sample (from {@code unknown}) sets the state directly. A higher
 * state is entered after {@value #ESCALATE_AFTER} consecutive samples at that level or above (to
 * the lowest level of the run). A lower state is entered only after {@value #DEESCALATE_AFTER}
 * consecutive samples that are below the current state even with thresholds made
 * {@value #PERCENT_MARGIN} percentage points lower and horizons {@value #HORIZON_MARGIN} times
 * longer (to the highest such level of the run). Any sample that breaks a run resets it.
 */
final class StateMachine {

  static final int ESCALATE_AFTER = 2;
  static final int DEESCALATE_AFTER = 3;
  static final double PERCENT_MARGIN = 5;
  static final double HORIZON_MARGIN = 1.25;

  private final double warnPercent;
  private final double criticalPercent;
  private final double warnHorizonS;
  private final double criticalHorizonS;

  private MemoryState state = MemoryState.UNKNOWN;
  private int upRun;
  private MemoryState upTarget;
  private int downRun;
  private MemoryState downTarget;

  StateMachine(double warnPercent, double criticalPercent, Duration warnHorizon, Duration criticalHorizon) {
    this.warnPercent = warnPercent;
    this.criticalPercent = criticalPercent;
    this.warnHorizonS = warnHorizon.toMillis() / 1000.0;
    this.criticalHorizonS = criticalHorizon.toMillis() / 1000.0;
  }

  MemoryState state() {
    return state;
  }

  /** Forgets everything: the data went stale, the next sample starts afresh. */
  void reset() {
    state = MemoryState.UNKNOWN;
    upRun = 0;
    downRun = 0;
  }

  /** Raw level of one sample with the configured thresholds. */
  MemoryState level(Double percent, Double projectedS, boolean steady) {
    return level(percent, projectedS, steady, 0, 1);
  }

  /**
   * Feeds one sample's figures; returns the state after it.
   *
   * @param percent    rss as percent of the limit, or null when the limit is unknown
   * @param projectedS seconds until the limit, or null
   * @param steady     whether the projection may be acted on
   */
  MemoryState update(Double percent, Double projectedS, boolean steady) {
    MemoryState strict = level(percent, projectedS, steady, 0, 1);
    if (state == MemoryState.UNKNOWN) {
      state = strict;
      upRun = 0;
      downRun = 0;
      return state;
    }
    if (strict.ordinal() > state.ordinal()) {
      upTarget = upRun == 0 || strict.ordinal() < upTarget.ordinal() ? strict : upTarget;
      if (++upRun >= ESCALATE_AFTER) {
        state = upTarget;
        upRun = 0;
      }
      downRun = 0;
      return state;
    }
    upRun = 0;
    MemoryState relaxed = level(percent, projectedS, steady, PERCENT_MARGIN, HORIZON_MARGIN);
    if (relaxed.ordinal() < state.ordinal()) {
      downTarget = downRun == 0 || relaxed.ordinal() > downTarget.ordinal() ? relaxed : downTarget;
      if (++downRun >= DEESCALATE_AFTER) {
        state = downTarget;
        downRun = 0;
      }
    } else {
      downRun = 0;
    }
    return state;
  }

  private MemoryState level(Double percent, Double projectedS, boolean steady, double margin, double horizonFactor) {
    boolean projected = steady && projectedS != null;
    if ((percent != null && percent >= criticalPercent - margin)
        || (projected && projectedS < criticalHorizonS * horizonFactor)) {
      return MemoryState.CRITICAL;
    }
    if ((percent != null && percent >= warnPercent - margin)
        || (projected && projectedS < warnHorizonS * horizonFactor)) {
      return MemoryState.WARNING;
    }
    return MemoryState.OK;
  }
}
