package dev.vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vigil.app.AppOptions;
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
  void appRunDefaultsAreTheSettingsDefaults() {
    VigilConfig.Run run = DEFAULTS.app().run();
    assertEquals(AppOptions.DEFAULT_POLICY, run.policy());
    assertEquals(AppOptions.DEFAULT_BACKOFF, run.backoff());
    assertEquals(AppOptions.DEFAULT_MAX_BACKOFF, run.maxBackoff());
    assertEquals(AppOptions.DEFAULT_STOP_TIMEOUT, run.stopTimeout());
    assertEquals(256, run.holdMaxRequests());
    assertEquals(java.time.Duration.ofSeconds(30), run.holdTimeout());
    assertEquals(null, run.port(), "sidecar mode: app.port unset");
  }

  @Test
  void runModeDefaultsTheUpstreamToTheChildsPortUnlessItIsSet() {
    VigilConfig run = ConfigLoader.loadForRun(null, Map.of(), Map.of(), w -> { });
    int port = run.app().run().port();
    assertEquals(java.net.URI.create("http://127.0.0.1:" + port), run.upstream().url());
    assertEquals(run.upstream().resolve(MemoryWatchOptions.DEFAULT_POLL_PATH), run.memory().watch().pollUrl());
    VigilConfig fixed = ConfigLoader.loadForRun(null, Map.of("VIGIL_APP_PORT", "9123"), Map.of(), w -> { });
    assertEquals(java.net.URI.create("http://127.0.0.1:9123"), fixed.upstream().url());
    VigilConfig explicit = ConfigLoader.loadForRun(null, Map.of(), Map.of("app.port", "9123",
        "upstream.url", "http://127.0.0.1:9200/base"), w -> { });
    assertEquals(java.net.URI.create("http://127.0.0.1:9200/base"), explicit.upstream().url());
    // The shipped file says upstream.url: null, which means the default in both modes.
    VigilConfig shipped = ConfigLoader.loadForRun(java.nio.file.Path.of("config", "vigil.yaml"), Map.of(),
        Map.of("app.port", "9124"), w -> { });
    assertEquals(java.net.URI.create("http://127.0.0.1:9124"), shipped.upstream().url());
    assertEquals(java.net.URI.create("http://127.0.0.1:8000"), DEFAULTS.upstream().url());
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
