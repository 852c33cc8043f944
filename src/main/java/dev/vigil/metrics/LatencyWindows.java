package dev.vigil.metrics;

import java.util.List;
import java.util.function.LongSupplier;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.IntCountsHistogram;
import org.HdrHistogram.SingleWriterRecorder;

/**
 * Sliding latency windows of 1 and 5 minutes plus since-start, in HdrHistogram (microseconds, 3
 * significant digits, up to 1 hour). Writers record into their own {@link SingleWriterRecorder}
 * (wait-free); the reader, on {@link #rotate()}, swaps each recorder's interval histogram out and
 * adds it into the current 10-second slot of a fixed ring of 30 slots, rotated on the injected
 * clock. Everything is allocated up front; nothing grows with traffic.
 */
final class LatencyWindows {

  static final long HIGHEST_MICROS = 3_600_000_000L;
  static final int DIGITS = 3;
  static final long SLOT_MILLIS = 10_000;
  static final int SLOTS = 30; // 5 minutes

  private final LongSupplier clock;
  private final IntCountsHistogram[] slots = new IntCountsHistogram[SLOTS];
  private final long[] slotStart = new long[SLOTS];
  private final Histogram sinceStart = new Histogram(HIGHEST_MICROS, DIGITS);
  private final Histogram scratch = new Histogram(HIGHEST_MICROS, DIGITS);

  LatencyWindows(LongSupplier clock) {
    this.clock = clock;
    for (int i = 0; i < SLOTS; i++) {
      slots[i] = new IntCountsHistogram(HIGHEST_MICROS, DIGITS);
      slotStart[i] = Long.MIN_VALUE;
    }
  }

  static SingleWriterRecorder newRecorder() {
    return new SingleWriterRecorder(HIGHEST_MICROS, DIGITS);
  }

  /** Moves what the recorders collected since the last call into the slot of "now". Reader side only. */
  synchronized void rotate(List<Shard> shards) {
    long now = clock.getAsLong();
    long start = now - Math.floorMod(now, SLOT_MILLIS);
    int i = (int) Math.floorMod(start / SLOT_MILLIS, SLOTS);
    if (slotStart[i] != start) {
      slots[i].reset();
      slotStart[i] = start;
    }
    for (Shard shard : shards) {
      Histogram interval = shard.intervalLatency();
      slots[i].add(interval);
      sinceStart.add(interval);
    }
  }

  /** Percentiles over the slots that started within the last {@code windowMillis}. */
  synchronized LatencySummary window(long windowMillis) {
    long now = clock.getAsLong();
    scratch.reset();
    for (int i = 0; i < SLOTS; i++) {
      if (slotStart[i] != Long.MIN_VALUE && slotStart[i] > now - windowMillis - SLOT_MILLIS
          && slotStart[i] <= now && now - slotStart[i] < windowMillis) {
        scratch.add(slots[i]);
      }
    }
    return LatencySummary.of(scratch);
  }

  synchronized LatencySummary sinceStart() {
    return LatencySummary.of(sinceStart);
  }
}
