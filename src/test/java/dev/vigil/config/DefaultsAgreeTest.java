package dev.vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vigil.keepalive.KeepAliveOptions;
import dev.vigil.memory.MemoryWatchOptions;
import dev.vigil.memory.source.MemorySources;
import dev.vigil.ratelimit.LocalRateLimiter;
import dev.vigil.store.redis.RedisStore;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link Settings} is the home of every default. Where a concern also names a default (for its
 * own tests and javadoc), this proves the two agree, so they cannot drift apart silently.
 */
class DefaultsAgreeTest {

  private static final VigilConfig DEFAULTS = ConfigLoader.load(null, Map.of(), Map.of(), w -> { });

  @Test
  void keepAliveDefaultsAreTheSettingsDefaults() {
    KeepAliveOptions expected = KeepAliveOptions.defaults(DEFAULTS.upstream().url());
    KeepAliveOptions k = DEFAULTS.keepalive();
    assertEquals(expected.enabled(), k.enabled());
    assertEquals(expected.target(), k.target());
    // "UTC" (the setting) and ZoneOffset.UTC (the record's constant) are the same rules.
    assertEquals(expected.timezone().normalized(), k.timezone().normalized());
    assertEquals(expected.windows(), k.windows());
    assertEquals(expected.defaultInterval(), k.defaultInterval());
    assertEquals(expected.timeout(), k.timeout());
    assertEquals(expected.jitter(), k.jitter());
    assertEquals(expected.maxBackoff(), k.maxBackoff());
  }

  @Test
  void memoryDefaultsAreTheSettingsDefaults() {
    MemoryWatchOptions m = DEFAULTS.memory().watch();
    assertEquals(DEFAULTS.upstream().resolve(MemoryWatchOptions.DEFAULT_POLL_PATH), m.pollUrl());
    assertEquals(MemoryWatchOptions.DEFAULT_POLL_INTERVAL, m.pollInterval());
    assertEquals(MemoryWatchOptions.DEFAULT_POLL_TIMEOUT, m.pollTimeout());
    assertEquals(MemoryWatchOptions.DEFAULT_HISTORY, m.history());
    assertEquals(MemoryWatchOptions.DEFAULT_TREND_WINDOW, m.trendWindow());
    assertEquals(MemoryWatchOptions.DEFAULT_WARN_PERCENT, m.warnPercent());
    assertEquals(MemoryWatchOptions.DEFAULT_CRITICAL_PERCENT, m.criticalPercent());
    assertEquals(MemoryWatchOptions.DEFAULT_WARN_HORIZON, m.warnHorizon());
    assertEquals(MemoryWatchOptions.DEFAULT_CRITICAL_HORIZON, m.criticalHorizon());
    assertEquals(MemoryWatchOptions.DEFAULT_CLEANUP_COOLDOWN, m.cleanupCooldown());
  }

  @Test
  void memorySourceDefaultsToAutoWithoutAMatch() {
    assertEquals(MemorySources.AUTO, DEFAULTS.memory().source());
    assertEquals(null, DEFAULTS.memory().processMatch());
    VigilConfig c = ConfigLoader.load(null, Map.of("VIGIL_MEMORY_SOURCE", "Process",
        "VIGIL_MEMORY_PROCESS_MATCH", "gunicorn.*app"), Map.of(), w -> { });
    assertEquals(MemorySources.PROCESS, c.memory().source());
    assertEquals("gunicorn.*app", c.memory().processMatch());
  }

  @Test
  void redisAndRateLimitDefaultsAreTheSettingsDefaults() {
    assertEquals(RedisStore.DEFAULT_COMMAND_TIMEOUT, DEFAULTS.redis().timeout());
    assertEquals(RedisStore.DEFAULT_KEY_PREFIX, DEFAULTS.redis().keyPrefix());
    assertEquals(LocalRateLimiter.DEFAULT_MAX_KEYS, DEFAULTS.ratelimit().maxKeys());
  }

  @Test
  void anUnsetValueMeansTheDefault() {
    VigilConfig c = ConfigLoader.load(null, Map.of(), Map.of("listen.port", "null", "proxy.maxBodySize", "~",
        "memory.history", ""), w -> { });
    assertEquals(8080, c.listen().port());
    assertEquals(10L << 20, c.proxy().maxBodySize());
    assertEquals(720, c.memory().watch().history());
  }
}
