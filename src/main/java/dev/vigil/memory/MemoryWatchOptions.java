package dev.vigil.memory;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Frozen settings of the memory watch, filled by the integrator from the {@code memory.*}
 * configuration keys. Every value is checked here so that a bad one fails at start-up with a
 * message naming the key; {@link #defaults(URI)} gives the contract's defaults.
 *
 * @param pollUrl             {@code memory.poll.url}: the application's memory endpoint (http or https)
 * @param pollInterval        {@code memory.poll.interval}, default 30s
 * @param pollTimeout         {@code memory.poll.timeout}, default 2s (polls never overlap, whatever the interval)
 * @param rssPointer          {@code memory.poll.rssPointer}: JSON pointer such as {@code /stats/rss}, or null to auto-detect
 * @param rssUnit             {@code memory.poll.rssUnit}: {@code MiB|MB|bytes|KiB}, or null (inferred from the field name)
 * @param history             {@code memory.history}: samples kept, default 720
 * @param limitBytes          {@code memory.limit} in bytes, or null to use what the application reports
 * @param trendWindow         {@code memory.trend.window}, default 30m
 * @param warnPercent         {@code memory.warnPercent}, default 80
 * @param criticalPercent     {@code memory.criticalPercent}, default 95
 * @param warnHorizon         {@code memory.warnHorizon}, default 6h
 * @param criticalHorizon     {@code memory.criticalHorizon}, default 15m
 * @param cleanupUrl          {@code memory.cleanup.url}, or null for no cleanup action
 * @param cleanupCooldown     {@code memory.cleanup.cooldown}, default 10m
 * @param unreadyWhenCritical {@code memory.unreadyWhenCritical}, default false
 */
public record MemoryWatchOptions(
    URI pollUrl,
    Duration pollInterval,
    Duration pollTimeout,
    String rssPointer,
    String rssUnit,
    int history,
    Long limitBytes,
    Duration trendWindow,
    double warnPercent,
    double criticalPercent,
    Duration warnHorizon,
    Duration criticalHorizon,
    URI cleanupUrl,
    Duration cleanupCooldown,
    boolean unreadyWhenCritical) {

  /** Path appended to the upstream URL when {@code memory.poll.url} is not set. */
  public static final String DEFAULT_POLL_PATH = "/api/memory-status";
  /** Every 30 s: a leak of a few MiB/h still shows within the 30-minute window (60 samples). */
  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(30);
  public static final Duration DEFAULT_POLL_TIMEOUT = Duration.ofSeconds(2);
  /** 720 samples = 6 h at the default interval, the default warning horizon. */
  public static final int DEFAULT_HISTORY = 720;
  /** Hard cap so that a typo cannot make the history unbounded in practice. */
  public static final int MAX_HISTORY = 100_000;
  public static final Duration DEFAULT_TREND_WINDOW = Duration.ofMinutes(30);
  public static final double DEFAULT_WARN_PERCENT = 80;
  public static final double DEFAULT_CRITICAL_PERCENT = 95;
  public static final Duration DEFAULT_WARN_HORIZON = Duration.ofHours(6);
  public static final Duration DEFAULT_CRITICAL_HORIZON = Duration.ofMinutes(15);
  public static final Duration DEFAULT_CLEANUP_COOLDOWN = Duration.ofMinutes(10);

  /** Validates every field; the message names the configuration key, the value and what is allowed. */
  public MemoryWatchOptions {
    requireHttpUrl("memory.poll.url", pollUrl, false);
    requirePositive("memory.poll.interval", pollInterval);
    requirePositive("memory.poll.timeout", pollTimeout);
    if (rssPointer != null) {
      if (rssPointer.isEmpty() || rssPointer.charAt(0) != '/') {
        throw new IllegalArgumentException("memory.poll.rssPointer = '" + rssPointer
            + "' is not a JSON pointer; expected something like /stats/rss");
      }
    }
    if (rssUnit != null) {
      rssUnit = RssUnit.parse(rssUnit).label();
    }
    if (history < 2 || history > MAX_HISTORY) {
      throw new IllegalArgumentException("memory.history = " + history + " is out of range; allowed 2.." + MAX_HISTORY);
    }
    if (limitBytes != null && limitBytes <= 0) {
      throw new IllegalArgumentException("memory.limit = " + limitBytes + " bytes; it must be positive");
    }
    requirePositive("memory.trend.window", trendWindow);
    requirePercent("memory.warnPercent", warnPercent);
    requirePercent("memory.criticalPercent", criticalPercent);
    if (criticalPercent < warnPercent) {
      throw new IllegalArgumentException("memory.criticalPercent = " + criticalPercent
          + " is below memory.warnPercent = " + warnPercent + "; critical must be at least warn");
    }
    requirePositive("memory.warnHorizon", warnHorizon);
    requirePositive("memory.criticalHorizon", criticalHorizon);
    if (criticalHorizon.compareTo(warnHorizon) > 0) {
      throw new IllegalArgumentException("memory.criticalHorizon = " + criticalHorizon
          + " is longer than memory.warnHorizon = " + warnHorizon + "; critical must be the shorter one");
    }
    requireHttpUrl("memory.cleanup.url", cleanupUrl, true);
    Objects.requireNonNull(cleanupCooldown, "memory.cleanup.cooldown");
    if (cleanupCooldown.isNegative()) {
      throw new IllegalArgumentException("memory.cleanup.cooldown = " + cleanupCooldown + " is negative; allowed 0 or more");
    }
  }

  /** The contract's defaults, polling {@code pollUrl}. */
  public static MemoryWatchOptions defaults(URI pollUrl) {
    return new MemoryWatchOptions(pollUrl, DEFAULT_POLL_INTERVAL, DEFAULT_POLL_TIMEOUT, null, null,
        DEFAULT_HISTORY, null, DEFAULT_TREND_WINDOW, DEFAULT_WARN_PERCENT, DEFAULT_CRITICAL_PERCENT,
        DEFAULT_WARN_HORIZON, DEFAULT_CRITICAL_HORIZON, null, DEFAULT_CLEANUP_COOLDOWN, false);
  }

  /** The default poll URL for an upstream: upstream + {@value #DEFAULT_POLL_PATH}. */
  public static URI defaultPollUrl(URI upstream) {
    String base = upstream.toString();
    if (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    return URI.create(base + DEFAULT_POLL_PATH);
  }

  public MemoryWatchOptions withPoll(Duration interval, Duration timeout) {
    return new MemoryWatchOptions(pollUrl, interval, timeout, rssPointer, rssUnit, history, limitBytes,
        trendWindow, warnPercent, criticalPercent, warnHorizon, criticalHorizon, cleanupUrl,
        cleanupCooldown, unreadyWhenCritical);
  }

  public MemoryWatchOptions withRss(String pointer, String unit) {
    return new MemoryWatchOptions(pollUrl, pollInterval, pollTimeout, pointer, unit, history, limitBytes,
        trendWindow, warnPercent, criticalPercent, warnHorizon, criticalHorizon, cleanupUrl,
        cleanupCooldown, unreadyWhenCritical);
  }

  public MemoryWatchOptions withLimitBytes(Long limit) {
    return new MemoryWatchOptions(pollUrl, pollInterval, pollTimeout, rssPointer, rssUnit, history, limit,
        trendWindow, warnPercent, criticalPercent, warnHorizon, criticalHorizon, cleanupUrl,
        cleanupCooldown, unreadyWhenCritical);
  }

  public MemoryWatchOptions withHistory(int samples, Duration window) {
    return new MemoryWatchOptions(pollUrl, pollInterval, pollTimeout, rssPointer, rssUnit, samples, limitBytes,
        window, warnPercent, criticalPercent, warnHorizon, criticalHorizon, cleanupUrl,
        cleanupCooldown, unreadyWhenCritical);
  }

  public MemoryWatchOptions withThresholds(double warn, double critical, Duration warnIn, Duration criticalIn) {
    return new MemoryWatchOptions(pollUrl, pollInterval, pollTimeout, rssPointer, rssUnit, history, limitBytes,
        trendWindow, warn, critical, warnIn, criticalIn, cleanupUrl, cleanupCooldown, unreadyWhenCritical);
  }

  public MemoryWatchOptions withActions(URI cleanup, Duration cooldown, boolean unready) {
    return new MemoryWatchOptions(pollUrl, pollInterval, pollTimeout, rssPointer, rssUnit, history, limitBytes,
        trendWindow, warnPercent, criticalPercent, warnHorizon, criticalHorizon, cleanup, cooldown, unready);
  }

  private static void requirePositive(String key, Duration d) {
    Objects.requireNonNull(d, key);
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(key + " = " + d + " is not positive; use a duration such as 500ms, 5s or 10m");
    }
  }

  private static void requirePercent(String key, double v) {
    if (!(v > 0 && v <= 100)) {
      throw new IllegalArgumentException(key + " = " + v + " is out of range; allowed more than 0 up to 100");
    }
  }

  private static void requireHttpUrl(String key, URI url, boolean nullable) {
    if (url == null) {
      if (nullable) {
        return;
      }
      throw new IllegalArgumentException(key + " is missing; expected an http:// or https:// URL");
    }
    String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || url.getHost() == null) {
      throw new IllegalArgumentException(key + " = '" + url + "' is not an absolute http:// or https:// URL with a host");
    }
  }
}
