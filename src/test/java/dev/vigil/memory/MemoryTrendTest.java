package dev.vigil.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntToDoubleFunction;
import org.junit.jupiter.api.Test;

class MemoryTrendTest {

  private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
  private static final Duration POLL = Duration.ofSeconds(30);
  private static final Duration WINDOW = Duration.ofMinutes(30);

  private static List<MemorySample> series(int n, Duration step, IntToDoubleFunction mib) {
    List<MemorySample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new MemorySample(T0.plus(step.multipliedBy(i)), mib.applyAsDouble(i)));
    }
    return out;
  }

  @Test
  void linearLeakSlopeWithinFivePercentAfterTwentyNoisySamples() {
    Random noise = new Random(42);
    double perSample = 42.0 / 120; // 42 MiB/h at one sample per 30 s
    List<MemorySample> s = series(20, POLL, i -> 200 + perSample * i + (noise.nextDouble() - 0.5) * 0.1);
    MemoryTrend t = MemoryTrend.fit(s, WINDOW, POLL);
    assertEquals(20, t.samples());
    assertEquals(42.0, t.slopeMiBPerHour(), 42.0 * 0.05);
    assertTrue(t.steady(), "r2=" + t.r2());
    assertTrue(t.r2() > 0.9);
    assertTrue(t.leakSuspected(), "a monotone steady rise never gives memory back");
  }

  @Test
  void projectionWithinTenPercentOfTrueTime() {
    double slope = 42.0;
    List<MemorySample> s = series(20, POLL, i -> 200 + slope / 120 * i);
    MemoryTrend t = MemoryTrend.fit(s, WINDOW, POLL);
    double current = s.get(19).rssMiB();
    double trueSeconds = (512 - current) / slope * 3600;
    Double p = t.projectedSeconds(current, 512.0);
    assertNotNull(p);
    assertEquals(trueSeconds, p, trueSeconds * 0.10);
    assertTrue(t.steady());
    assertEquals(1.0, t.r2(), 1e-9);
  }

  @Test
  void noProjectionWhenFlatShrinkingOrLimitUnknown() {
    MemoryTrend flat = MemoryTrend.fit(series(20, POLL, i -> 100), WINDOW, POLL);
    assertEquals(0.0, flat.slopeMiBPerHour(), 1e-12);
    assertNull(flat.projectedSeconds(100, 512.0));
    assertTrue(flat.steady(), "exactly on a (flat) line counts as steady");
    assertFalse(flat.leakSuspected());
    MemoryTrend shrinking = MemoryTrend.fit(series(20, POLL, i -> 300 - i), WINDOW, POLL);
    assertNull(shrinking.projectedSeconds(280, 512.0));
    MemoryTrend growing = MemoryTrend.fit(series(20, POLL, i -> 100 + i), WINDOW, POLL);
    assertNull(growing.projectedSeconds(119, null));
  }

  @Test
  void steadyNeedsTenSamplesOverFiveIntervals() {
    assertFalse(MemoryTrend.fit(series(9, POLL, i -> 100 + i), WINDOW, POLL).steady(), "9 samples");
    assertTrue(MemoryTrend.fit(series(10, POLL, i -> 100 + i), WINDOW, POLL).steady(), "10 samples, 9 intervals");
    // 12 samples 10 s apart span 110 s, less than 5 x 30 s.
    assertFalse(MemoryTrend.fit(series(12, Duration.ofSeconds(10), i -> 100 + i), WINDOW, POLL).steady());
    Random r = new Random(7);
    MemoryTrend noisy = MemoryTrend.fit(series(40, POLL, i -> 100 + r.nextDouble() * 20), WINDOW, POLL);
    assertTrue(noisy.r2() < 0.8);
    assertFalse(noisy.steady());
  }

  @Test
  void onlySamplesInsideTheWindowCount() {
    // 2 h of samples: first hour flat at 100, second hour rising 60 MiB/h; window 30 min.
    List<MemorySample> s = series(240, POLL, i -> i < 120 ? 100 : 100 + (i - 120) * 0.5);
    MemoryTrend t = MemoryTrend.fit(s, WINDOW, POLL);
    assertEquals(61, t.samples());
    assertEquals(60.0, t.slopeMiBPerHour(), 1e-6);
  }

  /** Climbs 5 MiB per sample for 6 samples, then a collection drops it to the floor of that cycle. */
  private static List<MemorySample> sawtooth(int cycles, double floorRisePerCycle, Random noise) {
    return series(cycles * 7, POLL, i -> 200 + floorRisePerCycle * (i / 7) + 5 * (i % 7)
        + (noise == null ? 0 : (noise.nextDouble() - 0.5) * 0.4));
  }

  @Test
  void gcSawtoothWithFlatFloorIsNotALeak() {
    MemoryTrend t = MemoryTrend.fit(sawtooth(8, 0, new Random(1)), WINDOW, POLL);
    assertTrue(t.lows().size() >= 6, "lows " + t.lows());
    assertEquals(0.0, t.floorSlopeMiBPerHour(), 1.5);
    assertFalse(t.leakSuspected());
  }

  @Test
  void sawtoothWithRisingFloorIsALeak() {
    MemoryTrend t = MemoryTrend.fit(sawtooth(8, 3, new Random(1)), WINDOW, POLL);
    assertTrue(t.lows().size() >= 6, "lows " + t.lows());
    // 3 MiB per 7 samples of 30 s = 3 MiB per 3.5 min = 51.4 MiB/h.
    assertEquals(3 / 3.5 * 60, t.floorSlopeMiBPerHour(), 3.0);
    assertTrue(t.leakSuspected());
  }

  @Test
  void lowsAreTheBottomsOfDescents() {
    // peak 130, gradual descent 120, 110, 105, then rise: one low at 105.
    List<MemorySample> s = series(8, POLL, i -> new double[] {100, 115, 130, 120, 110, 105, 112, 118}[i]);
    List<MemorySample> lows = MemoryTrend.lows(s);
    assertEquals(1, lows.size());
    assertEquals(105, lows.get(0).rssMiB());
    assertNull(MemoryTrend.fit(s, WINDOW, POLL).floorSlopeMiBPerHour(), "one low gives no floor slope");
  }

  @Test
  void emptyAndSingleSample() {
    assertNull(MemoryTrend.fit(List.of(), WINDOW, POLL).slopeMiBPerHour());
    MemoryTrend one = MemoryTrend.fit(series(1, POLL, i -> 50), WINDOW, POLL);
    assertEquals(1, one.samples());
    assertNull(one.slopeMiBPerHour());
    assertNull(one.projectedSeconds(50, 100.0));
  }
}
