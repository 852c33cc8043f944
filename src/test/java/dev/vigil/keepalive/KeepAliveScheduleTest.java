package dev.vigil.keepalive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.keepalive.KeepAliveOptions.Window;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

class KeepAliveScheduleTest {
  private static final DoubleSupplier NO_JITTER = () -> 0.5;
  private static final KeepAliveOptions DEFAULTS = KeepAliveOptions.defaults(URI.create("http://127.0.0.1:8000"));
  private static final Duration TEN_MIN = Duration.ofMinutes(10);
  private static final Duration THIRTY_MIN = Duration.ofMinutes(30);

  private static KeepAliveSchedule schedule(KeepAliveOptions o) {
    return new KeepAliveSchedule(o);
  }

  private static Instant at(String iso) {
    return Instant.parse(iso);
  }

  @Test
  void defaultsUseTheDayWindowInsideAndTheDefaultOutside() {
    KeepAliveSchedule s = schedule(DEFAULTS);
    assertEquals(TEN_MIN, s.intervalAt(at("2026-11-22T12:00:00Z")));
    assertEquals(THIRTY_MIN, s.intervalAt(at("2026-11-22T03:00:00Z")));
    assertEquals(THIRTY_MIN, s.intervalAt(at("2026-11-22T23:59:59Z")));
  }

  @Test
  void windowStartIsInclusiveAndEndExclusive() {
    KeepAliveSchedule s = schedule(DEFAULTS);
    assertEquals(THIRTY_MIN, s.intervalAt(at("2026-11-22T06:59:59.999Z")));
    assertEquals(TEN_MIN, s.intervalAt(at("2026-11-22T07:00:00Z")));
    assertEquals(TEN_MIN, s.intervalAt(at("2026-11-22T21:59:59.999Z")));
    assertEquals(THIRTY_MIN, s.intervalAt(at("2026-11-22T22:00:00Z")));
  }

  @Test
  void windowWrappingMidnightCoversBothSidesOfTheDayChange() {
    KeepAliveSchedule s = schedule(DEFAULTS.withWindows(
        List.of(new Window(LocalTime.of(22, 0), LocalTime.of(6, 0), Duration.ofHours(1)))));
    assertEquals(Duration.ofHours(1), s.intervalAt(at("2026-11-22T22:00:00Z")));
    assertEquals(Duration.ofHours(1), s.intervalAt(at("2026-11-22T23:59:59Z")));
    assertEquals(Duration.ofHours(1), s.intervalAt(at("2026-11-23T00:00:00Z")));
    assertEquals(Duration.ofHours(1), s.intervalAt(at("2026-11-23T05:59:59Z")));
    assertEquals(THIRTY_MIN, s.intervalAt(at("2026-11-23T06:00:00Z")));
    assertEquals(THIRTY_MIN, s.intervalAt(at("2026-11-22T21:59:59Z")));
  }

  @Test
  void windowsAreReadOnTheWallClockOfTheZone() {
    KeepAliveSchedule s = schedule(DEFAULTS.withTimezone(ZoneId.of("Asia/Tokyo")));
    // 23:00Z is 08:00 the next morning in Tokyo (UTC+9, no DST).
    assertEquals(TEN_MIN, s.intervalAt(at("2026-11-22T23:00:00Z")));
    assertEquals(THIRTY_MIN, s.intervalAt(at("2026-11-22T14:00:00Z"))); // 23:00 JST
  }

  @Test
  void berlinSpringForwardMovesTheWindowOneHourEarlierInUtc() {
    KeepAliveSchedule s = schedule(DEFAULTS.withTimezone(ZoneId.of("Europe/Berlin")));
    // 2026-03-29 02:00 CET -> 03:00 CEST. 07:00 local is 06:00Z the day before, 05:00Z on the day.
    assertEquals(THIRTY_MIN, s.intervalAt(at("2026-03-28T05:30:00Z")));
    assertEquals(TEN_MIN, s.intervalAt(at("2026-03-28T06:00:00Z")));
    assertEquals(THIRTY_MIN, s.intervalAt(at("2026-03-29T04:59:59Z")));
    assertEquals(TEN_MIN, s.intervalAt(at("2026-03-29T05:00:00Z")));
    assertEquals(TEN_MIN, s.intervalAt(at("2026-03-29T19:59:59Z")));
    assertEquals(THIRTY_MIN, s.intervalAt(at("2026-03-29T20:00:00Z")));
  }

  @Test
  void berlinFallBackMovesTheWindowOneHourLaterInUtc() {
    KeepAliveSchedule s = schedule(DEFAULTS.withTimezone(ZoneId.of("Europe/Berlin")));
    // 2026-10-25 03:00 CEST -> 02:00 CET. 07:00 local is 05:00Z the day before, 06:00Z on the day.
    assertEquals(TEN_MIN, s.intervalAt(at("2026-10-24T05:30:00Z")));
    assertEquals(THIRTY_MIN, s.intervalAt(at("2026-10-25T05:30:00Z")));
    assertEquals(TEN_MIN, s.intervalAt(at("2026-10-25T06:00:00Z")));
    assertEquals(TEN_MIN, s.intervalAt(at("2026-10-25T20:59:59Z")));
    assertEquals(THIRTY_MIN, s.intervalAt(at("2026-10-25T21:00:00Z")));
  }

  @Test
  void newYorkNightWindowAcrossSpringForwardAndFallBack() {
    KeepAliveSchedule s = schedule(DEFAULTS.withTimezone(ZoneId.of("America/New_York"))
        .withWindows(List.of(new Window(LocalTime.of(22, 0), LocalTime.of(6, 0), Duration.ofHours(1)))));
    Duration hour = Duration.ofHours(1);
    // Spring forward 2026-03-08 02:00 EST -> 03:00 EDT: 06:00 local is 10:00Z on the day (EDT).
    assertEquals(hour, s.intervalAt(at("2026-03-08T06:59:59Z"))); // 01:59:59 EST
    assertEquals(hour, s.intervalAt(at("2026-03-08T07:00:00Z"))); // 03:00 EDT, 02:xx never happens
    assertEquals(hour, s.intervalAt(at("2026-03-08T09:59:59Z"))); // 05:59:59 EDT
    assertEquals(THIRTY_MIN, s.intervalAt(at("2026-03-08T10:00:00Z"))); // 06:00 EDT
    // The day before, 06:00 local was 11:00Z (EST).
    assertEquals(hour, s.intervalAt(at("2026-03-07T10:30:00Z")));
    // Fall back 2026-11-01 02:00 EDT -> 01:00 EST: 01:30 happens twice, both in the window.
    assertEquals(hour, s.intervalAt(at("2026-11-01T05:30:00Z"))); // 01:30 EDT
    assertEquals(hour, s.intervalAt(at("2026-11-01T06:30:00Z"))); // 01:30 EST
    assertEquals(hour, s.intervalAt(at("2026-11-01T10:30:00Z"))); // 05:30 EST
    assertEquals(THIRTY_MIN, s.intervalAt(at("2026-11-01T11:00:00Z"))); // 06:00 EST
    assertEquals(THIRTY_MIN, s.intervalAt(at("2026-10-31T10:30:00Z"))); // 06:30 EDT
  }

  @Test
  void delayIsTheIntervalWhenNothingIntervenes() {
    KeepAliveSchedule s = schedule(DEFAULTS);
    assertEquals(TEN_MIN, s.nextDelay(at("2026-11-22T12:00:00Z"), 0, NO_JITTER));
    assertEquals(THIRTY_MIN, s.nextDelay(at("2026-11-22T02:00:00Z"), 0, NO_JITTER));
  }

  @Test
  void delayIsPulledEarlierWhenAShorterWindowStarts() {
    KeepAliveSchedule s = schedule(DEFAULTS);
    // 06:55 + 30m would be 07:25; the 10m window starts at 07:00 -> ping at 07:10.
    assertEquals(Duration.ofMinutes(15), s.nextDelay(at("2026-11-22T06:55:00Z"), 0, NO_JITTER));
    // 06:31 + 30m = 07:01 is already before 07:10: unchanged.
    assertEquals(THIRTY_MIN, s.nextDelay(at("2026-11-22T06:31:00Z"), 0, NO_JITTER));
    // Into a longer interval nothing changes: 21:55 + 10m = 22:05.
    assertEquals(TEN_MIN, s.nextDelay(at("2026-11-22T21:55:00Z"), 0, NO_JITTER));
  }

  @Test
  void pulledDelayFollowsTheLocalBoundaryOnDstDays() {
    KeepAliveSchedule s = schedule(DEFAULTS.withTimezone(ZoneId.of("Europe/Berlin")));
    // 2026-03-29 04:50Z is 06:50 CEST: the window opens at 05:00Z, ping at 05:10Z.
    assertEquals(Duration.ofMinutes(20), s.nextDelay(at("2026-03-29T04:50:00Z"), 0, NO_JITTER));
    // 2026-10-25 05:50Z is 06:50 CET: the window opens at 06:00Z, ping at 06:10Z.
    assertEquals(Duration.ofMinutes(20), s.nextDelay(at("2026-10-25T05:50:00Z"), 0, NO_JITTER));
    // Over the spring-forward gap (02:00 -> 03:00 local) a 30m delay stays 30m of real time.
    assertEquals(THIRTY_MIN, s.nextDelay(at("2026-03-29T00:50:00Z"), 0, NO_JITTER));
  }

  @Test
  void boundaryInsideTheSpringForwardGapTakesEffectAtTheGapEnd() {
    KeepAliveSchedule s = schedule(DEFAULTS.withTimezone(ZoneId.of("Europe/Berlin"))
        .withWindows(List.of(new Window(LocalTime.of(2, 30), LocalTime.of(5, 0), Duration.ofMinutes(5)))));
    // 02:30 does not exist on 2026-03-29; 01:00Z is 03:00 CEST, already inside the window.
    assertEquals(Instant.parse("2026-03-29T01:00:00Z"), s.nextBoundaryAfter(at("2026-03-29T00:40:00Z")));
    assertEquals(Duration.ofMinutes(5), s.intervalAt(at("2026-03-29T01:00:00Z")));
    // 00:40Z (01:40 CET) + 30m would be 01:10Z; pulled to 01:00Z + 5m.
    assertEquals(Duration.ofMinutes(25), s.nextDelay(at("2026-03-29T00:40:00Z"), 0, NO_JITTER));
  }

  @Test
  void boundaryInsideTheFallBackOverlapOccursTwice() {
    KeepAliveSchedule s = schedule(DEFAULTS.withTimezone(ZoneId.of("Europe/Berlin"))
        .withWindows(List.of(new Window(LocalTime.of(2, 30), LocalTime.of(5, 0), Duration.ofMinutes(5)))));
    // 02:30 happens at 00:30Z (CEST) and again at 01:30Z (CET) on 2026-10-25.
    assertEquals(at("2026-10-25T00:30:00Z"), s.nextBoundaryAfter(at("2026-10-25T00:00:00Z")));
    assertEquals(at("2026-10-25T01:30:00Z"), s.nextBoundaryAfter(at("2026-10-25T00:30:00Z")));
    assertEquals(THIRTY_MIN, s.intervalAt(at("2026-10-25T01:10:00Z"))); // 02:10 CET, before 02:30 again
  }

  @Test
  void jitterStaysWithinItsFractionAndCoversTheRange() {
    KeepAliveSchedule s = schedule(DEFAULTS);
    SplittableRandom random = new SplittableRandom(42);
    Instant noon = at("2026-11-22T12:00:00Z");
    long min = Long.MAX_VALUE;
    long max = Long.MIN_VALUE;
    for (int i = 0; i < 10_000; i++) {
      long ms = s.nextDelay(noon, 0, random::nextDouble).toMillis();
      min = Math.min(min, ms);
      max = Math.max(max, ms);
    }
    long interval = TEN_MIN.toMillis();
    assertTrue(min >= interval * 0.9, "min " + min);
    assertTrue(max <= interval * 1.1, "max " + max);
    assertTrue(min < interval * 0.91, "draws reach the lower end, min " + min);
    assertTrue(max > interval * 1.09, "draws reach the upper end, max " + max);
    assertEquals(Duration.ofMinutes(9), s.nextDelay(noon, 0, () -> 0.0));
    assertTrue(s.nextDelay(noon, 0, () -> 0.9999999).compareTo(Duration.ofMinutes(11)) < 0);
  }

  @Test
  void zeroJitterGivesTheExactInterval() {
    KeepAliveSchedule s = schedule(DEFAULTS.withJitter(0));
    assertEquals(TEN_MIN, s.nextDelay(at("2026-11-22T12:00:00Z"), 0, () -> 0.0));
    assertEquals(TEN_MIN, s.nextDelay(at("2026-11-22T12:00:00Z"), 0, () -> 0.99));
  }

  @Test
  void backOffDoublesPerFailureAndIsCapped() {
    KeepAliveSchedule s = schedule(DEFAULTS);
    Instant noon = at("2026-11-22T12:00:00Z");
    assertEquals(Duration.ofMinutes(20), s.nextDelay(noon, 1, NO_JITTER));
    assertEquals(Duration.ofMinutes(40), s.nextDelay(noon, 2, NO_JITTER));
    assertEquals(Duration.ofHours(1), s.nextDelay(noon, 3, NO_JITTER));
    assertEquals(Duration.ofHours(1), s.nextDelay(noon, 10, NO_JITTER));
    assertEquals(Duration.ofHours(1), s.nextDelay(noon, Integer.MAX_VALUE, NO_JITTER));
    // Jitter never lifts a backed-off delay over the cap.
    assertEquals(Duration.ofHours(1), s.nextDelay(noon, 3, () -> 0.99));
    assertEquals(Duration.ofMinutes(54), s.nextDelay(noon, 3, () -> 0.0));
  }

  @Test
  void backOffIgnoresWindowBoundaries() {
    KeepAliveSchedule s = schedule(DEFAULTS);
    // 06:55 with one failure: 30m * 2 = 60m, not pulled to 07:10.
    assertEquals(Duration.ofHours(1), s.nextDelay(at("2026-11-22T06:55:00Z"), 1, NO_JITTER));
  }

  @Test
  void capNeverShortensTheNormalInterval() {
    KeepAliveSchedule s = schedule(DEFAULTS.withMaxBackoff(Duration.ofMinutes(10)));
    assertEquals(THIRTY_MIN, s.nextDelay(at("2026-11-22T02:00:00Z"), 2, NO_JITTER));
  }
}
