package dev.vigil.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class MemoryWatchOptionsTest {

  private static final URI URL = URI.create("http://127.0.0.1:8000/api/memory-status");

  @Test
  void contractDefaults() {
    MemoryWatchOptions o = MemoryWatchOptions.defaults(URL);
    assertEquals(Duration.ofSeconds(30), o.pollInterval());
    assertEquals(Duration.ofSeconds(2), o.pollTimeout());
    assertEquals(720, o.history());
    assertEquals(Duration.ofMinutes(30), o.trendWindow());
    assertEquals(80, o.warnPercent());
    assertEquals(95, o.criticalPercent());
    assertEquals(Duration.ofHours(6), o.warnHorizon());
    assertEquals(Duration.ofMinutes(15), o.criticalHorizon());
    assertEquals(Duration.ofMinutes(10), o.cleanupCooldown());
    assertEquals(null, o.cleanupUrl());
    assertEquals(false, o.unreadyWhenCritical());
    assertEquals(URL, MemoryWatchOptions.defaultPollUrl(URI.create("http://127.0.0.1:8000/")));
  }

  @Test
  void unitIsNormalised() {
    assertEquals("KiB", MemoryWatchOptions.defaults(URL).withRss("/a/b", "kib").rssUnit());
  }

  @Test
  void badValuesNameTheKey() {
    MemoryWatchOptions d = MemoryWatchOptions.defaults(URL);
    expect("memory.poll.url", () -> MemoryWatchOptions.defaults(URI.create("ftp://x/y")));
    expect("memory.poll.interval", () -> d.withPoll(Duration.ZERO, Duration.ofSeconds(1)));
    expect("memory.poll.timeout", () -> d.withPoll(Duration.ofSeconds(1), Duration.ofMillis(-1)));
    expect("memory.poll.rssPointer", () -> d.withRss("stats.rss", null));
    expect("memory.poll.rssUnit", () -> d.withRss("/stats/rss", "pages"));
    expect("memory.history", () -> d.withHistory(0, Duration.ofMinutes(1)));
    expect("memory.history", () -> d.withHistory(MemoryWatchOptions.MAX_HISTORY + 1, Duration.ofMinutes(1)));
    expect("memory.trend.window", () -> d.withHistory(10, Duration.ZERO));
    expect("memory.limit", () -> d.withLimitBytes(-5L));
    expect("memory.warnPercent", () -> d.withThresholds(0, 95, Duration.ofHours(1), Duration.ofMinutes(1)));
    expect("memory.criticalPercent", () -> d.withThresholds(90, 85, Duration.ofHours(1), Duration.ofMinutes(1)));
    expect("memory.criticalHorizon", () -> d.withThresholds(80, 95, Duration.ofMinutes(1), Duration.ofHours(1)));
    expect("memory.cleanup.url", () -> d.withActions(URI.create("/relative"), Duration.ZERO, false));
    expect("memory.cleanup.cooldown", () -> d.withActions(null, Duration.ofSeconds(-1), false));
  }

  private static void expect(String key, Supplier<MemoryWatchOptions> s) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, s::get);
    assertTrue(e.getMessage().startsWith(key), e.getMessage());
  }
}
