package dev.vigil.keepalive;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.keepalive.KeepAliveOptions.Window;
import java.net.URI;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeepAliveOptionsTest {
  private static final KeepAliveOptions DEFAULTS = KeepAliveOptions.defaults(URI.create("http://127.0.0.1:8000/"));

  private static Window window(int fromHour, int toHour, Duration interval) {
    return new Window(LocalTime.of(fromHour, 0), LocalTime.of(toHour, 0), interval);
  }

  @Test
  void defaultsFollowTheContract() {
    assertTrue(DEFAULTS.enabled());
    assertEquals(URI.create("http://127.0.0.1:8000/api/health"), DEFAULTS.target());
    assertEquals(ZoneOffset.UTC, DEFAULTS.timezone());
    assertEquals(List.of(window(7, 22, Duration.ofMinutes(10))), DEFAULTS.windows());
    assertEquals(Duration.ofMinutes(30), DEFAULTS.defaultInterval());
    assertEquals(Duration.ofSeconds(5), DEFAULTS.timeout());
    assertEquals(0.10, DEFAULTS.jitter());
    assertEquals(Duration.ofHours(1), DEFAULTS.maxBackoff());
    assertEquals(List.of(), DEFAULTS.validate());
  }

  @Test
  void overlappingWindowsNameTheLaterWindow() {
    List<String> errors = DEFAULTS.withWindows(List.of(
        window(7, 22, Duration.ofMinutes(10)), window(21, 23, Duration.ofMinutes(5)))).validate();
    assertEquals(List.of("keepalive.windows[1]: 21:00-23:00 overlaps keepalive.windows[0] 07:00-22:00; "
        + "windows must not overlap"), errors);
  }

  @Test
  void wrappingWindowsOverlapAcrossMidnight() {
    List<String> errors = DEFAULTS.withWindows(List.of(
        window(22, 6, Duration.ofHours(1)), window(5, 7, Duration.ofMinutes(5)))).validate();
    assertEquals(1, errors.size());
    assertTrue(errors.get(0).startsWith("keepalive.windows[1]:"), errors.get(0));
  }

  @Test
  void touchingWindowsDoNotOverlap() {
    assertEquals(List.of(), DEFAULTS.withWindows(List.of(
        window(7, 22, Duration.ofMinutes(10)), window(22, 7, Duration.ofMinutes(20)))).validate());
  }

  @Test
  void zeroIntervalsAndEmptyWindowsAreRejectedWithTheirKeys() {
    List<String> errors = DEFAULTS
        .withWindows(List.of(window(7, 22, Duration.ZERO), window(3, 3, Duration.ofMinutes(1))))
        .withDefaultInterval(Duration.ZERO)
        .withTimeout(Duration.ofSeconds(-1))
        .validate();
    assertEquals(List.of(
        "keepalive.defaultInterval: 0ms is not allowed; must be positive",
        "keepalive.timeout: -1s is not allowed; must be positive",
        "keepalive.windows[0].interval: 0ms is not allowed; must be positive",
        "keepalive.windows[1].to: 03:00 equals from; a window must not be empty "
            + "(use keepalive.defaultInterval for the whole day)"), errors);
  }

  @Test
  void jitterMustBeBetweenZeroAndHalf() {
    assertEquals(List.of(), DEFAULTS.withJitter(0).validate());
    assertEquals(List.of(), DEFAULTS.withJitter(0.5).validate());
    assertEquals(1, DEFAULTS.withJitter(-0.01).validate().size());
    assertEquals(1, DEFAULTS.withJitter(0.51).validate().size());
    assertEquals(1, DEFAULTS.withJitter(Double.NaN).validate().size());
    assertTrue(DEFAULTS.withJitter(0.6).validate().get(0).startsWith("keepalive.jitter: 0.6 is not allowed"));
  }

  @Test
  void targetMustBeAnAbsoluteHttpUrl() {
    assertEquals(1, DEFAULTS.withTarget(URI.create("/api/health")).validate().size());
    assertEquals(1, DEFAULTS.withTarget(URI.create("ftp://host/x")).validate().size());
    assertEquals(List.of(), DEFAULTS.withTarget(URI.create("https://app.example.com/api/health")).validate());
  }
}
