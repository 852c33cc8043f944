package dev.vigil.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Exact counts, windows driven by a fake clock, ring order and bounds, and a concurrent merge. */
class RequestMetricsTest {

  private final AtomicLong now = new AtomicLong(1_800_000_000_000L);

  private RequestMetrics metrics(int capacity) {
    return new RequestMetrics(capacity, 100, List.of(), now::get, null, () -> 0);
  }

  private static long ms(long millis) {
    return TimeUnit.MILLISECONDS.toNanos(millis);
  }

  @Test
  void exactCountsByStatusClassAndCause() {
    RequestMetrics m = metrics(64);
    Shard s = m.shard();
    for (int i = 0; i < 10; i++) {
      s.record("GET", "/ok", 200, ms(10), 0, 100, "r" + i, null);
    }
    for (int i = 0; i < 3; i++) {
      s.record("GET", "/missing", 404, ms(2), 0, 10, "n" + i, null);
    }
    s.record("POST", "/up", 413, ms(1), 0, 50, "big", Rejection.TOO_LARGE);
    s.record("GET", "/slow", 504, ms(30_000), 0, 50, "slow", Rejection.TIMEOUT);
    s.record("GET", "/x", 302, ms(1), 0, 0, "redir", null);

    ProxyStats stats = m.snapshot();
    assertEquals(16, stats.requestsTotal());
    assertEquals(List.of(0L, 10L, 1L, 4L, 1L), java.util.Arrays.stream(stats.statusClasses()).boxed().toList());
    assertEquals(1L, stats.rejected().get("too_large"));
    assertEquals(1L, stats.rejected().get("timeout"));
    assertEquals(0L, stats.rejected().get("rate_limited"));
    assertEquals(16 / 60.0, stats.rps1m(), 1e-9);
    assertEquals(1 / 16.0, stats.errorRate1m(), 1e-9);
    assertEquals(16, stats.window1m().count());
    assertEquals(10.0, stats.window1m().p50Ms(), 0.05, "HdrHistogram keeps 3 significant digits");
    assertEquals(30_000.0, stats.window1m().maxMs(), 30.0);
  }

  @Test
  void windowsForgetOldDataAsTheClockMoves() {
    RequestMetrics m = metrics(64);
    Shard s = m.shard();
    s.record("GET", "/a", 200, ms(5), 0, 0, "a", null);
    s.record("GET", "/a", 500, ms(7), 0, 0, "b", null);
    m.tick();
    now.addAndGet(61_000);
    ProxyStats later = m.snapshot();
    assertEquals(0, later.window1m().count(), "1-minute window forgot");
    assertEquals(2, later.window5m().count(), "5-minute window remembers");
    assertEquals(0.0, later.rps1m());
    assertEquals(0.0, later.errorRate1m());
    assertEquals(2, later.requestsTotal(), "totals never forget");
    now.addAndGet(300_000);
    ProxyStats much = m.snapshot();
    assertEquals(0, much.window5m().count());
    assertEquals(2, much.sinceStart().count());
  }

  @Test
  void ringKeepsTheNewestFirstAndCapsTheLimit() {
    RequestMetrics m = metrics(8);
    Shard s = m.shard();
    for (int i = 0; i < 20; i++) {
      now.incrementAndGet();
      s.record("GET", "/r/" + i, 200, ms(1), i, 2 * i, "id" + i, null);
    }
    List<RequestEntry> recent = m.recent(100);
    assertEquals(8, recent.size(), "capped at the capacity");
    assertEquals("/r/19", recent.get(0).path());
    assertEquals("/r/12", recent.get(7).path());
    assertEquals("/r/{id}", recent.get(0).route());
    assertEquals(19, recent.get(0).bytesIn());
    assertNull(recent.get(0).rejected());
    assertEquals(3, m.recent(3).size());
    assertEquals(8, m.snapshot().ringSize());
    assertEquals(8, m.snapshot().ringCapacity());
  }

  @Test
  void newestFirstAcrossShardsEvenWithinOneMillisecond() throws Exception {
    // Two event loops, each with its own shard; five sequential requests alternate between them
    // and all finish in the same wall-clock millisecond.
    RequestMetrics m = metrics(16);
    Shard[] loops = new Shard[2];
    Thread[] owners = new Thread[2];
    for (int k = 0; k < 2; k++) {
      int idx = k;
      owners[k] = new Thread(() -> loops[idx] = m.shard());
      owners[k].start();
      owners[k].join();
    }
    for (int i = 1; i <= 5; i++) {
      Shard s = loops[i % 2];
      int n = i;
      Thread t = new Thread(() -> s.record("GET", "/seq/" + n, 200, 1, 0, 0, "id" + n, null));
      t.start();
      t.join(); // sequential, as a client waiting for each answer
    }
    List<String> paths = m.recent(3).stream().map(RequestEntry::path).toList();
    assertEquals(List.of("/seq/5", "/seq/4", "/seq/3"), paths);
  }

  @Test
  void longPathsAreTruncatedInTheRing() {
    RequestMetrics m = metrics(4);
    m.shard().record("GET", "/" + "x".repeat(5000), 200, 1, 0, 0, "id", null);
    assertEquals(Shard.MAX_PATH, m.recent(1).get(0).path().length());
  }

  @Test
  void textWrapsAroundTheArenaAndOverwrittenTextFallsBackToTheRoute() {
    RequestMetrics m = metrics(64); // 8 KiB of text: about 20 of these 400-byte entries
    Shard s = m.shard();
    for (int i = 0; i < 1000; i++) {
      String path = "/long/" + i + "/" + "p".repeat(200 + i % 50);
      s.record("DELETE", path, 200, 1, 0, 0, ("id" + i + "-").repeat(40), null);
    }
    List<RequestEntry> recent = m.recent(64);
    assertEquals(64, recent.size(), "every slot is still listed");
    for (int k = 0; k < 15; k++) { // the newest entries keep their exact text, across the wrap
      int i = 999 - k;
      RequestEntry e = recent.get(k);
      assertEquals("DELETE", e.method());
      String path = "/long/" + i + "/" + "p".repeat(200 + i % 50);
      assertEquals(path.substring(0, Math.min(path.length(), Shard.MAX_PATH)), e.path());
      assertEquals(("id" + i + "-").repeat(40).substring(0, Shard.MAX_REQUEST_ID), e.requestId());
    }
    RequestEntry oldest = recent.get(63);
    assertEquals(oldest.route(), oldest.path(), "text overwritten: the route stands in for the path");
    assertEquals("", oldest.requestId());
  }

  @Test
  void ringEntriesHoldNoReferenceToTheRequestId() {
    // (The path may stay referenced by the bounded route table and its cache, by design.)
    RequestMetrics m = metrics(16);
    String id = new String("id-held".toCharArray());
    var idRef = new java.lang.ref.WeakReference<>(id);
    m.shard().record("GET", "/held", 200, 1, 0, 0, id, null);
    id = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (idRef.get() != null && System.nanoTime() < deadline) {
      System.gc();
    }
    assertNull(idRef.get(), "the ring must not keep a request's id alive until the slot turns over");
    assertEquals("/held", m.recent(1).get(0).path());
    assertEquals("id-held", m.recent(1).get(0).requestId());
  }

  @Test
  void lastSuccessTracksNon5xxAnswers() {
    RequestMetrics m = metrics(4);
    Shard s = m.shard();
    assertEquals(0, m.lastSuccessEpochMillis());
    s.record("GET", "/", 503, 1, 0, 0, "a", null);
    assertEquals(0, m.lastSuccessEpochMillis());
    s.record("GET", "/", 404, 1, 0, 0, "b", null);
    assertEquals(now.get(), m.lastSuccessEpochMillis());
  }

  @Test
  void concurrentWritersAndReaderNeverSeeTornEntries() throws Exception {
    RequestMetrics m = new RequestMetrics(256, 100, List.of(), System::currentTimeMillis, null, () -> 0);
    Thread[] writers = new Thread[2];
    long perWriter = 200_000;
    for (int w = 0; w < writers.length; w++) {
      Shard shard = m.shard();
      String prefix = "/w" + w + "/";
      String[] paths = new String[1000];
      String[] ids = new String[1000];
      for (int k = 0; k < 1000; k++) {
        paths[k] = prefix + k;
        ids[k] = prefix + k; // the id repeats the path: a torn entry would mix two requests
      }
      writers[w] = new Thread(() -> {
        for (long i = 0; i < perWriter; i++) {
          int k = (int) (i % 1000);
          shard.record("GET", paths[k], 200 + (k % 3), k * 1000L, k, k, ids[k], null);
        }
      });
    }
    for (Thread t : writers) {
      t.start();
    }
    long reads = 0;
    while (writers[0].isAlive() || writers[1].isAlive()) {
      for (RequestEntry e : m.recent(256)) {
        if (e.requestId().isEmpty()) {
          // The reader was descheduled long enough for the text arena to turn: the text is
          // reported lost (route for path), never mixed with another request's.
          assertEquals(e.route(), e.path(), "torn entry");
          continue;
        }
        assertEquals(e.path(), e.requestId(), "torn entry");
        int k = Integer.parseInt(e.path().substring(e.path().lastIndexOf('/') + 1));
        assertEquals(200 + (k % 3), e.status(), "torn entry");
        assertEquals(k, e.bytesIn(), "torn entry");
        reads++;
      }
    }
    for (Thread t : writers) {
      t.join();
    }
    assertEquals(2 * perWriter, m.snapshot().requestsTotal());
    assertTrue(reads > 0);
  }

  @Test
  void prometheusSeriesByRouteMethodAndClass() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    RequestMetrics m = new RequestMetrics(16, 100, List.of(), now::get, registry, () -> 3);
    Shard s = m.shard();
    s.record("GET", "/api/items/1", 200, ms(3), 0, 0, "a", null);
    s.record("GET", "/api/items/2", 200, ms(3), 0, 0, "b", null);
    s.record("BREW", "/pot", 429, ms(1), 0, 0, "c", Rejection.RATE_LIMITED);
    String text = registry.scrape();
    assertTrue(text.contains("vigil_requests_total{method=\"GET\",route=\"/api/items/{id}\",status_class=\"2xx\"} 2.0"),
        text);
    assertTrue(text.contains("vigil_requests_total{method=\"other\",route=\"/pot\",status_class=\"4xx\"} 1.0"));
    assertTrue(text.contains("vigil_rejections_total{cause=\"rate_limited\"} 1.0"));
    assertTrue(text.contains("vigil_requests_in_flight 3.0"));
    assertTrue(text.contains("vigil_request_duration_seconds_bucket{method=\"GET\",route=\"/api/items/{id}\","
        + "status_class=\"2xx\",le=\"0.005\"} 2"), text);
  }
}
