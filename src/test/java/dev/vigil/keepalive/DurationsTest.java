package dev.vigil.keepalive;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
  @Test
  void formatsLikeTheConfiguration() {
    assertEquals("500ms", Durations.format(Duration.ofMillis(500)));
    assertEquals("5s", Durations.format(Duration.ofSeconds(5)));
    assertEquals("10m", Durations.format(Duration.ofMinutes(10)));
    assertEquals("1h", Durations.format(Duration.ofHours(1)));
    assertEquals("0ms", Durations.format(Duration.ZERO));
  }

  @Test
  void humanizesForIssueSentences() {
    assertEquals("40 s", Durations.humanize(Duration.ofSeconds(40)));
    assertEquals("40 min", Durations.humanize(Duration.ofMinutes(40)));
    assertEquals("1.5 h", Durations.humanize(Duration.ofMinutes(90)));
  }
}
