package dev.vigil.memory;

import io.vertx.core.json.JsonArray;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Bookkeeping of the cleanup action: whether one is due, the cooldown, the call in flight and the
 * last {@value MemoryWatch#MAX_EVENTS} records. Not thread-safe: the watch calls it under its lock.
 *
 * <p>Rules: entering {@code warning} or {@code critical} makes an automatic cleanup due; it runs on
 * that sample or, when inside the cooldown, on the first sample after the cooldown if the state is
 * still {@code warning} or worse; returning to {@code ok}/{@code unknown} cancels it. Memory that
 * stays at {@code warning} or worse gets another call once per cooldown (what a periodic cleanup in
 * the app would do). Manual cleanups also start the cooldown. One call at a time. "Freed" is measured by the first sample
 * of a poll that started after the call answered.
 */
final class CleanupLog {

  private final Duration cooldown;
  private final Deque<CleanupRecord> records = new ArrayDeque<>();
  private boolean due;
  private boolean elevated;
  private boolean inFlight;
  private Instant lastAt;
  private CleanupRecord awaitingFreed;
  private long awaitingAfterPoll;

  CleanupLog(Duration cooldown) {
    this.cooldown = cooldown;
  }

  /** Notes a state change; entering warning/critical makes a cleanup due. */
  void stateChanged(MemoryState before, MemoryState after) {
    elevated = after.atLeast(MemoryState.WARNING);
    if (after.atLeast(MemoryState.WARNING) && after.ordinal() > before.ordinal()) {
      due = true;
    } else if (!after.atLeast(MemoryState.WARNING)) {
      due = false;
    }
  }

  /** True (and no longer due) when an automatic cleanup should start now. */
  boolean takeAutomatic(Instant now) {
    if ((due || elevated) && !inFlight && (lastAt == null || !now.isBefore(lastAt.plus(cooldown)))) {
      due = false;
      return true;
    }
    return false;
  }

  /** Marks a call as started; false when one is already running. */
  boolean begin(Instant now) {
    if (inFlight) {
      return false;
    }
    inFlight = true;
    lastAt = now;
    return true;
  }

  /** Stores the answered call; its freed memory is measured by a poll numbered above {@code pollsStarted}. */
  void finished(CleanupRecord rec, long pollsStarted) {
    inFlight = false;
    MemoryWatch.remember(records, rec);
    if (rec.rssBeforeMiB() != null) {
      awaitingFreed = rec;
      awaitingAfterPoll = pollsStarted;
    }
  }

  /** Offers a new sample from poll {@code pollNo} to complete the "freed" figure of the last call. */
  void sampled(MemorySample s, long pollNo) {
    if (awaitingFreed == null || pollNo <= awaitingAfterPoll) {
      return;
    }
    CleanupRecord done = awaitingFreed.withFreed(awaitingFreed.rssBeforeMiB() - s.rssMiB());
    List<CleanupRecord> copy = new ArrayList<>(records);
    records.clear();
    for (CleanupRecord c : copy) {
      records.addLast(c == awaitingFreed ? done : c);
    }
    awaitingFreed = null;
  }

  /** Forgets a due automatic cleanup (the data went stale). */
  void cancelDue() {
    due = false;
    elevated = false;
  }

  JsonArray toJson() {
    JsonArray out = new JsonArray();
    records.forEach(c -> out.add(c.toJson()));
    return out;
  }
}
