package dev.vigil.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackoffTest {

  static final Duration QUICK = Duration.ofMillis(100);

  @Test
  void doublesUpToTheCapAndStartsOverAfterAStableRun() {
    Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofSeconds(60));
    List<Long> got = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      got.add(b.next(QUICK).toSeconds());
    }
    assertEquals(List.of(1L, 2L, 4L, 8L, 16L, 30L, 30L, 30L), got);
    assertEquals(Duration.ofSeconds(1), b.next(Duration.ofSeconds(60)), "up a minute: not a crash loop any more");
    assertEquals(Duration.ofSeconds(2), b.next(QUICK));
  }

  @Test
  void aCapBelowTheDoubleIsRespected() {
    Backoff b = new Backoff(Duration.ofMillis(300), Duration.ofMillis(500), Duration.ofSeconds(1));
    assertEquals(List.of(300L, 500L, 500L), List.of(b.next(QUICK).toMillis(), b.next(QUICK).toMillis(),
        b.next(QUICK).toMillis()));
  }

  @Test
  void optionsRejectBadValuesNamingTheField() {
    AppOptions ok = AppOptions.of(List.of("true"), 8080);
    assertEquals("backoff must be a positive duration, not PT0S", org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> ok.withBackoff(Duration.ZERO, Duration.ofSeconds(1))).getMessage());
    assertEquals("maxBackoff (PT1S) must be at least backoff (PT2S)", org.junit.jupiter.api.Assertions.assertThrows(
        IllegalArgumentException.class, () -> ok.withBackoff(Duration.ofSeconds(2), Duration.ofSeconds(1))).getMessage());
    assertEquals(RestartPolicy.ON_FAILURE, RestartPolicy.parse("on-failure"));
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> RestartPolicy.parse("sometimes"));
    assertEquals(List.of("setsid", "app", "--port=8080", "x"), AppOptions.of(List.of("app", "--port={port}", "x"), 8080).argv());
  }
}
