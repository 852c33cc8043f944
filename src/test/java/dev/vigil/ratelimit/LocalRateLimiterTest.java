package dev.vigil.ratelimit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LocalRateLimiterTest {
  private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

  private RateDecision take(LocalRateLimiter limiter, String key) {
    return limiter.acquire(key).result();
  }

  @Test
  void burstIsAvailableAtOnceThenDenied() {
    LocalRateLimiter limiter = new LocalRateLimiter(10, 5, 100, nanos::get, null);
    for (int remaining = 4; remaining >= 0; remaining--) {
      RateDecision d = take(limiter, "a");
      assertTrue(d.allowed());
      assertEquals(remaining, d.remaining());
    }
    RateDecision denied = take(limiter, "a");
    assertFalse(denied.allowed());
    assertEquals(100, denied.retryAfterMillis(), "one permit every 100 ms at 10/s");
    assertEquals(1, denied.retryAfterSeconds());
  }

  @Test
  void refillsAtTheRateAndCapsAtBurst() {
    LocalRateLimiter limiter = new LocalRateLimiter(10, 5, 100, nanos::get, null);
    for (int i = 0; i < 5; i++) {
      take(limiter, "a");
    }
    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(50));
    RateDecision halfway = take(limiter, "a");
    assertFalse(halfway.allowed());
    assertEquals(50, halfway.retryAfterMillis());

    nanos.addAndGet(TimeUnit.MILLISECONDS.toNanos(50));
    assertTrue(take(limiter, "a").allowed());
    assertFalse(take(limiter, "a").allowed());

    nanos.addAndGet(TimeUnit.SECONDS.toNanos(60));
    int allowed = 0;
    for (int i = 0; i < 20; i++) {
      allowed += take(limiter, "a").allowed() ? 1 : 0;
    }
    assertEquals(5, allowed, "a long idle period refills only up to the burst");
  }

  @Test
  void keysHaveSeparateBuckets() {
    LocalRateLimiter limiter = new LocalRateLimiter(1, 1, 100, nanos::get, null);
    assertTrue(take(limiter, "a").allowed());
    assertFalse(take(limiter, "a").allowed());
    assertTrue(take(limiter, "b").allowed());
  }

  @Test
  void allowedDecisionsAreReusedNotAllocated() {
    LocalRateLimiter limiter = new LocalRateLimiter(1000, 100, 100, nanos::get, null);
    limiter.acquire("a");
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(1));
    // Same remaining count after a refill: the very same completed future comes back.
    assertSame(limiter.acquire("a"), limiter.acquire("b"));
  }

  @Test
  void countsDecisionsUnderTheLocalBackend() {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    LocalRateLimiter limiter = new LocalRateLimiter(1, 2, 100, nanos::get, registry);
    for (int i = 0; i < 3; i++) {
      limiter.acquire("a");
    }
    assertEquals(2.0, registry.get("vigil.ratelimit.decisions")
        .tag("result", "allowed").tag("backend", "local").counter().count());
    assertEquals(1.0, registry.get("vigil.ratelimit.decisions")
        .tag("result", "denied").tag("backend", "local").counter().count());
  }

  @Test
  void idleBucketsExpireOnceFullAgain() {
    LocalRateLimiter limiter = new LocalRateLimiter(10, 5, 100, nanos::get, null);
    take(limiter, "a");
    assertEquals(1, limiter.trackedKeys());
    nanos.addAndGet(TimeUnit.SECONDS.toNanos(2));
    assertEquals(0, limiter.trackedKeys(), "refilled after 0.5 s, dropped after idle 1.5 s");
  }

  @Test
  void floodOfDistinctKeysKeepsMapAndHeapBounded() {
    int maxKeys = 100_000;
    LocalRateLimiter limiter = new LocalRateLimiter(100, 200, maxKeys, System::nanoTime, null);
    for (int i = 0; i < 200_000; i++) {
      limiter.acquire("10.0." + i);
    }
    long heapAtCap = usedHeapAfterGc();
    for (int i = 200_000; i < 1_000_000; i++) {
      limiter.acquire("10.0." + i);
    }
    long heapAfterFlood = usedHeapAfterGc();
    assertTrue(limiter.trackedKeys() <= maxKeys, "tracked " + limiter.trackedKeys());
    long growthMiB = (heapAfterFlood - heapAtCap) >> 20;
    assertTrue(growthMiB < 16, "heap grew by " + growthMiB + " MiB over 800k more keys");
  }

  private static long usedHeapAfterGc() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
