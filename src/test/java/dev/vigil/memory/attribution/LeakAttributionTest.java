package dev.vigil.memory.attribution;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.memory.MemoryReading;
import dev.vigil.memory.MemoryTracker;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The attribution on synthetic traffic and memory, with the trend's own leak rule deciding when a
 * leak is suspected: a sample every 30 s, four routes with mixed, varying traffic.
 */
class LeakAttributionTest {

  static final String[][] ROUTES = {
      {"/api/chat", "POST"}, {"/api/items", "GET"}, {"/api/health", "GET"}, {"/api/upload", "POST"}};
  static final Duration STEP = Duration.ofSeconds(30);

  /** Counters the test advances by hand, as the proxy's shards would. */
  static final class Counters implements RouteCounts {
    final long[] total = new long[ROUTES.length];

    @Override
    public int slots() {
      return ROUTES.length;
    }

    @Override
    public void read(long[] into) {
      System.arraycopy(total, 0, into, 0, total.length);
    }

    @Override
    public String route(int slot) {
      return ROUTES[slot][0];
    }

    @Override
    public String method(int slot) {
      return ROUTES[slot][1];
    }
  }

  /**
   * Runs {@code samples} intervals.
   *
   * @param retainedMiB   MiB each request of a route keeps for good
   * @param garbageMiB    MiB each request of a route makes that the next collection frees
   * @param collectEvery  a collection every this many samples (0: never)
   * @param perHourMiB    growth with time alone
   */
  static Attribution run(int samples, double[] retainedMiB, double[] garbageMiB, int collectEvery, double perHourMiB,
                         long seed) {
    Random random = new Random(seed);
    Counters counters = new Counters();
    Duration window = STEP.multipliedBy(samples);
    LeakAttribution attribution = new LeakAttribution(counters, 720, window, null);
    MemoryTracker tracker = new MemoryTracker(720, window, STEP, 80, 95, Duration.ofHours(6), Duration.ofMinutes(15),
        null);
    int[] maxPerInterval = {20, 40, 150, 20};
    double retained = 200;
    double garbage = 0;
    Instant t = Instant.parse("2026-12-01T10:00:00Z");
    for (int i = 0; i < samples; i++) {
      if (i > 0) {
        for (int r = 0; r < ROUTES.length; r++) {
          int n = random.nextInt(maxPerInterval[r] + 1);
          counters.total[r] += n;
          retained += n * retainedMiB[r];
          garbage += n * garbageMiB[r];
        }
        retained += perHourMiB * STEP.toMillis() / 3_600_000.0;
        if (collectEvery > 0 && i % collectEvery == 0) {
          garbage = 0;
        }
      }
      double rss = retained + garbage + random.nextGaussian() * 0.5;
      MemoryTracker.Point p = tracker.add(t, new MemoryReading(rss, 4096.0, "test"));
      attribution.sampled(t, rss, p.leakSuspected());
      t = t.plus(STEP);
    }
    return attribution.result();
  }

  @Test
  void aLeakingRouteIsNamedAndTheOthersAreNearZero() {
    Attribution a = run(60, new double[] {0.8, 0, 0, 0}, new double[4], 0, 0, 1);
    assertEquals(1, a.routes().size(), a.toString());
    RouteShare chat = a.routes().get(0);
    assertEquals("/api/chat", chat.route());
    assertEquals("POST", chat.method());
    assertEquals(0.8, chat.mibPerRequest(), 0.8 * 0.25, a.toString());
    assertTrue(chat.shareOfGrowth() > 0.9, a.toString());
    for (RouteShare other : a.all().subList(1, a.all().size())) {
      assertTrue(other.mibPerRequest() < 0.05, other.toString());
    }
  }

  @Test
  void aSecondLeakAtHalfTheRateIsRankedSecond() {
    Attribution a = run(60, new double[] {0.8, 0, 0, 0.4}, new double[4], 0, 0, 2);
    assertEquals(2, a.routes().size(), a.toString());
    assertEquals("/api/chat", a.routes().get(0).route());
    assertEquals("/api/upload", a.routes().get(1).route());
    assertEquals(0.8, a.routes().get(0).mibPerRequest(), 0.2, a.toString());
    assertEquals(0.4, a.routes().get(1).mibPerRequest(), 0.1, a.toString());
  }

  @Test
  void aSawtoothWithALevelFloorBlamesNoRoute() {
    // /api/items makes 0.5 MiB of garbage per request, freed every 5 samples: steep teeth, flat floor.
    Attribution a = run(60, new double[4], new double[] {0, 0.5, 0, 0}, 5, 0, 3);
    assertTrue(a.routes().isEmpty(), a.toString());
    assertEquals("no leak suspected", a.reason());
  }

  @Test
  void aLeakUnderASawtoothIsMeasuredFromLowToLow() {
    Attribution a = run(120, new double[] {0.8, 0, 0, 0}, new double[] {0, 0.5, 0.05, 0}, 4, 0, 4);
    assertEquals("/api/chat", a.routes().get(0).route(), a.toString());
    assertEquals(0.8, a.routes().get(0).mibPerRequest(), 0.2, a.toString());
    assertTrue(a.routes().stream().noneMatch(r -> r.route().equals("/api/items")), a.toString());
  }

  @Test
  void growthWithTimeAloneIsUnexplainedNotPinnedOnTheBusiestRoute() {
    Attribution a = run(60, new double[4], new double[4], 0, 40, 5);
    assertTrue(a.routes().isEmpty(), a.toString());
    assertNotNull(a.unexplainedMiBPerHour());
    assertEquals(40, a.unexplainedMiBPerHour(), 8, a.toString());
    assertTrue(a.unexplainedShare() > 0.9, a.toString());
  }

  @Test
  void theSentenceNamesRouteRateShareAndWindow() {
    Counters counters = new Counters();
    LeakAttribution attribution = new LeakAttribution(counters, 720, Duration.ofMinutes(30), null);
    Instant t = Instant.parse("2026-12-01T10:00:00Z");
    Random random = new Random(6);
    double rss = 100;
    for (int i = 0; i < 61; i++) {
      int n = 5 + random.nextInt(20);
      counters.total[0] += i == 0 ? 0 : n;
      counters.total[2] += i == 0 ? 0 : random.nextInt(100);
      rss += i == 0 ? 0 : n * 0.8;
      attribution.sampled(t.plus(STEP.multipliedBy(i)), rss, true);
    }
    List<String> s = attribution.sentences();
    assertEquals(1, s.size(), s.toString());
    assertTrue(s.get(0).matches("POST /api/chat retains about 0\\.8 MiB per request: 100% of the growth in the last 30 min"),
        s.get(0));
  }

  @Test
  void theWorstCaseFitIsBounded() {
    // 100 routes x 720 samples, all with traffic: the bound of the issue.
    int routes = 100;
    RouteCounts many = new RouteCounts() {
      final long[] total = new long[routes];
      final Random random = new Random(7);

      @Override
      public int slots() {
        return routes;
      }

      @Override
      public void read(long[] into) {
        for (int i = 0; i < routes; i++) {
          total[i] += random.nextInt(30);
        }
        System.arraycopy(total, 0, into, 0, routes);
      }

      @Override
      public String route(int slot) {
        return "/r" + slot;
      }

      @Override
      public String method(int slot) {
        return "GET";
      }
    };
    LeakAttribution attribution = new LeakAttribution(many, 720, Duration.ofHours(6), null);
    Instant t = Instant.parse("2026-12-01T10:00:00Z");
    Random random = new Random(8);
    long worst = 0;
    for (int i = 0; i < 720; i++) {
      long start = System.nanoTime();
      attribution.sampled(t.plus(STEP.multipliedBy(i)), 100 + i * 0.5 + random.nextGaussian(), true);
      worst = Math.max(worst, System.nanoTime() - start);
    }
    System.out.printf("attribution: worst sample with 100 routes x 720 samples took %.1f ms%n", worst / 1e6);
    assertTrue(worst < 2_000_000_000L, "a fit took " + worst / 1e6 + " ms");
  }
}
