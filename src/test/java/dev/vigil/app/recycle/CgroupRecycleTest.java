package dev.vigil.app.recycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.app.AppOptions;
import dev.vigil.app.AppSupervisor;
import dev.vigil.app.Ports;
import dev.vigil.memory.MemoryWatch;
import dev.vigil.memory.MemoryWatchOptions;
import dev.vigil.memory.source.CgroupMemory;
import dev.vigil.store.redis.RecycleLease;
import dev.vigil.testing.TestCgroup;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * End to end in a real memory cgroup (v1, 192 MiB, like a container's limit): the leaky app runs
 * in it under the supervisor, behind Vigil's proxy, and leaks about 1 MiB per request under a
 * steady load. The memory watch reads the cgroup's working set (what the OOM killer compares); the
 * policy and the recycler act on it. With recycling, the kernel never kills the app and no request
 * fails; the control run without recycling shows the OOM kills.
 */
class CgroupRecycleTest {

  static final long LIMIT = 192L << 20;
  static final int CLIENTS = 2;

  final Vertx vertx = Vertx.vertx();
  final List<AppSupervisor> supervisors = new CopyOnWriteArrayList<>();
  Recycler recycler;
  Recycling recycling;
  MemoryWatch watch;

  @AfterEach
  void tearDown() throws Exception {
    if (recycling != null) {
      RecyclerTest.await(recycling.stop(), 10);
    }
    if (watch != null) {
      RecyclerTest.await(watch.stop(), 10);
    }
    if (recycler != null) {
      RecyclerTest.await(recycler.stop(), 20);
    }
    for (AppSupervisor s : supervisors) {
      RecyclerTest.await(s.stop(), 20);
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  AppSupervisor supervisor(TestCgroup cg, int port) {
    try {
      AppOptions base = RecyclerTest.leaky(port);
      AppSupervisor s = new AppSupervisor(vertx, AppOptions.of(cg.wrap(base.command()), port)
          .withHealth("/health", Duration.ofMillis(50), Duration.ofSeconds(2))
          .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1)).withStopTimeout(Duration.ofSeconds(5)),
          Clock.systemUTC());
      supervisors.add(s);
      return s;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** The cgroup's working set as a memory endpoint, for the (HTTP-polling) memory watch. */
  URI workingSetEndpoint(TestCgroup cg) throws Exception {
    CgroupMemory memory = new CgroupMemory(1, cg.dir());
    HttpServer server = vertx.createHttpServer().requestHandler(req ->
        vertx.executeBlocking(() -> memory.read().workingSetBytes(), false).onComplete(ar -> {
          if (ar.succeeded()) {
            req.response().end(new JsonObject().put("rss_bytes", ar.result()).encode());
          } else {
            req.response().setStatusCode(500).end();
          }
        })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    return URI.create("http://127.0.0.1:" + server.actualPort() + "/memory");
  }

  /** Clients leaking 1 MiB per request through the proxy, each about 25 times a second. */
  static final class Leak implements AutoCloseable {
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicLong ok = new AtomicLong();
    final List<String> failures = new CopyOnWriteArrayList<>();
    final List<Thread> threads = new CopyOnWriteArrayList<>();

    Leak(int port) {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      for (int i = 0; i < CLIENTS; i++) {
        Thread t = new Thread(() -> {
          while (!stop.get()) {
            try {
              HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                  URI.create("http://127.0.0.1:" + port + "/leak?mb=1")).timeout(Duration.ofSeconds(30)).build(),
                  HttpResponse.BodyHandlers.ofString());
              if (r.statusCode() == 200) {
                ok.incrementAndGet();
              } else {
                failures.add(r.statusCode() + " " + r.body());
              }
              Thread.sleep(40); // pacing of the load, not a wait for a condition
            } catch (InterruptedException e) {
              return;
            } catch (Exception e) {
              failures.add(e.toString());
            }
          }
        });
        t.start();
        threads.add(t);
      }
    }

    @Override
    public void close() throws Exception {
      stop.set(true);
      for (Thread t : threads) {
        t.join(TimeUnit.SECONDS.toMillis(35));
      }
    }
  }

  @Test
  void overlapRecyclesBeforeTheOomKillerWithoutAFailedRequest() throws Exception {
    JsonObject recycles = run(RecycleOptions.DEFAULT_MARGIN);
    assertTrue(recycles.getJsonObject("by_path").getLong("overlap") >= 3, recycles.encode());
  }

  @Test
  void holdWhenTheLimitLeavesNoRoomForASecondChild() throws Exception {
    // An 80% margin: current + baseline + margin never fits under the limit, so every recycle holds.
    JsonObject recycles = run(0.8);
    assertEquals(0, recycles.getJsonObject("by_path").getLong("overlap"), recycles.encode());
    assertTrue(recycles.getJsonObject("by_path").getLong("hold") >= 3, recycles.encode());
  }

  /** Leaks through Vigil until three recycles happened and well over the limit leaked; returns app.recycles. */
  JsonObject run(double margin) throws Exception {
    try (TestCgroup cg = TestCgroup.createV1(LIMIT)) {
      AppSupervisor first = supervisor(cg, Ports.freeLoopbackPort());
      GatedProxy proxy = new GatedProxy(vertx, first.port(), Map.of());
      recycler = new Recycler(vertx, first, port -> supervisor(cg, port), proxy.runtime.target(), proxy.gate,
          new Recycler.Timing(Duration.ofSeconds(5), Duration.ofSeconds(20), Duration.ofMillis(500)),
          Clock.systemUTC(), proxy.fiveXx::get);
      RecyclerTest.await(first.start(), 10);
      RecyclerTest.await(first.firstUp(), 15);
      recycler.measureBaselineOf(first);
      watch = new MemoryWatch(vertx, MemoryWatchOptions.defaults(workingSetEndpoint(cg))
          .withPoll(Duration.ofMillis(100), Duration.ofSeconds(1)).withLimitBytes(LIMIT)
          .withHistory(720, Duration.ofSeconds(2)), Clock.systemUTC(), null);
      RecyclerTest.await(watch.start(), 5);
      RecycleOptions opts = RecycleOptions.defaults().withEnabled(true).withHorizon(Duration.ofSeconds(3))
          .withMinInterval(Duration.ofSeconds(2)).withLead(Duration.ofSeconds(3))
          .withBaselineAfter(Duration.ofMillis(500)).withMargin(margin);
      recycling = new Recycling(new Recycling.Parts(vertx, opts, Clock.systemUTC(),
          () -> MemoryView.of(watch.memoryJson()), null, new RecycleLease(null, "app", "a", 1, Duration.ofSeconds(30)),
          Duration.ofSeconds(30), recycler, () -> 0, () -> Future.succeededFuture(true), Duration.ofMillis(100),
          Duration.ofSeconds(5), Duration.ofMinutes(1), null, 95, null));
      long killsBefore = cg.oomKills();
      RecyclerTest.await(recycling.start(), 5);

      try (Leak leak = new Leak(proxy.port())) {
        long leakMiB = 3 * (LIMIT >> 20) / 2;
        RecyclerTest.waitUntil("three recycles and " + leakMiB + " MiB leaked",
            () -> recycling.healthJson().getLong("total") >= 3 && leak.ok.get() >= leakMiB, 90);
        leak.close();
        JsonObject recycles = recycling.healthJson();
        System.out.println("recycles: " + recycles.encode() + "; requests ok " + leak.ok.get());
        assertEquals(List.of(), leak.failures, "no request failed");
        assertEquals(killsBefore, cg.oomKills(), "the kernel never killed the app");
        assertEquals(0, recycles.getJsonObject("last").getLong("failed"));
        return recycles;
      }
    }
  }

  @Test
  void withoutRecyclingTheKernelKillsTheApp() throws Exception {
    try (TestCgroup cg = TestCgroup.createV1(LIMIT)) {
      AppSupervisor first = supervisor(cg, Ports.freeLoopbackPort());
      GatedProxy proxy = new GatedProxy(vertx, first.port(), Map.of());
      RecyclerTest.await(first.start(), 10);
      RecyclerTest.await(first.firstUp(), 15);
      long killsBefore = cg.oomKills();
      try (Leak leak = new Leak(proxy.port())) {
        RecyclerTest.waitUntil("an OOM kill", () -> {
          try {
            return cg.oomKills() > killsBefore;
          } catch (Exception e) {
            return false;
          }
        }, 60);
        RecyclerTest.waitUntil("the supervisor restarted the app", () -> first.restarts().get("oom_killed") >= 1, 30);
        leak.close();
        System.out.println("control: oom kills " + (cg.oomKills() - killsBefore) + ", failed " + leak.failures.size()
            + " of " + (leak.ok.get() + leak.failures.size()));
      }
    }
  }
}
