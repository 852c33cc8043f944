package dev.vigil.ratelimit;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counters for {@code vigil_ratelimit_decisions_total{result,backend}}, built once so the hot path
 * only increments.
 */
final class RateLimitMetrics {
  static final String LOCAL = "local";
  static final String REDIS = "redis";
  static final String FALLBACK = "fallback";

  private final Counter localAllowed;
  private final Counter localDenied;
  private final Counter redisAllowed;
  private final Counter redisDenied;
  private final Counter fallbackAllowed;
  private final Counter fallbackDenied;

  /** @param registry where to register, or null for no metrics */
  RateLimitMetrics(MeterRegistry registry) {
    localAllowed = counter(registry, "allowed", LOCAL);
    localDenied = counter(registry, "denied", LOCAL);
    redisAllowed = counter(registry, "allowed", REDIS);
    redisDenied = counter(registry, "denied", REDIS);
    fallbackAllowed = counter(registry, "allowed", FALLBACK);
    fallbackDenied = counter(registry, "denied", FALLBACK);
  }

  void local(RateDecision d) {
    increment(d.allowed() ? localAllowed : localDenied);
  }

  void redis(RateDecision d) {
    increment(d.allowed() ? redisAllowed : redisDenied);
  }

  void fallback(RateDecision d) {
    increment(d.allowed() ? fallbackAllowed : fallbackDenied);
  }

  private static void increment(Counter c) {
    if (c != null) {
      c.increment();
    }
  }

  private static Counter counter(MeterRegistry registry, String result, String backend) {
    if (registry == null) {
      return null;
    }
    return Counter.builder("vigil.ratelimit.decisions")
        .description("Rate-limit decisions, by result and by the backend that decided")
        .tag("result", result)
        .tag("backend", backend)
        .register(registry);
  }
}
