package dev.vigil.app.recycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.app.AppOptions;
import dev.vigil.app.AppState;
import dev.vigil.app.AppSupervisor;
import dev.vigil.app.Ports;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Recycles of a real child (the test suite's leaky Python app) behind Vigil's real proxy, under a
 * bounded load of four clients looping on a slow path: no request may fail on either path.
 */
class RecyclerTest {

  static final int CLIENTS = 4;

  Vertx vertx;
  GatedProxy proxy;
  Recycler recycler;
  final List<AppSupervisor> supervisors = new CopyOnWriteArrayList<>();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (recycler != null) {
      await(recycler.stop(), 20);
    }
    for (AppSupervisor s : supervisors) {
      await(s.stop(), 20);
    }
    await(vertx.close(), 10);
  }

  static AppOptions leaky(int port) throws Exception {
    Path app = Path.of(RecyclerTest.class.getResource("/app/leaky_app.py").toURI());
    return AppOptions.of(List.of("/usr/bin/python3", app.toString()), port)
        .withHealth("/health", Duration.ofMillis(50), Duration.ofSeconds(2))
        .withStopTimeout(Duration.ofSeconds(5));
  }

  AppSupervisor supervisor(int port) {
    try {
      AppSupervisor s = new AppSupervisor(vertx, leaky(port), Clock.systemUTC());
      supervisors.add(s);
      return s;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** A running first child behind the proxy, and the recycler for it. */
  void start() throws Exception {
    AppSupervisor first = supervisor(Ports.freeLoopbackPort());
    proxy = new GatedProxy(vertx, first.port(), Map.of());
    recycler = new Recycler(vertx, first, this::supervisor, proxy.runtime.target(), proxy.gate,
        new Recycler.Timing(Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofMillis(300)),
        Clock.systemUTC(), proxy.fiveXx::get);
    await(first.start(), 10);
    await(first.firstUp(), 15);
    recycler.measureBaselineOf(first);
  }

  /** Clients looping through the proxy until stopped; every answer that is not 200 is kept. */
  final class Load implements AutoCloseable {
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicLong ok = new AtomicLong();
    final List<String> failures = new CopyOnWriteArrayList<>();
    final Set<String> pids = ConcurrentHashMap.newKeySet();
    final List<Thread> threads = new CopyOnWriteArrayList<>();

    Load() {
      HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      for (int i = 0; i < CLIENTS; i++) {
        Thread t = new Thread(() -> {
          while (!stop.get()) {
            try {
              HttpResponse<String> r = client.send(HttpRequest.newBuilder(
                      URI.create("http://127.0.0.1:" + proxy.port() + "/slow?ms=40")).timeout(Duration.ofSeconds(30))
                  .build(), HttpResponse.BodyHandlers.ofString());
              if (r.statusCode() == 200) {
                ok.incrementAndGet();
                pids.add(r.body().replace("slow ", ""));
              } else {
                failures.add(r.statusCode() + " " + r.body());
              }
            } catch (Exception e) {
              failures.add(e.toString());
            }
          }
        });
        t.start();
        threads.add(t);
      }
    }

    void waitFor(long answers) throws Exception {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      long target = ok.get() + answers;
      while (ok.get() < target) {
        if (System.nanoTime() > end) {
          throw new AssertionError("the load stalled at " + ok.get() + " answers; failures: " + failures);
        }
        Thread.sleep(10);
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

  static <T> T await(Future<T> f, long seconds) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }

  @Test
  void refusesWhileTheAppIsNotUpAndWhileARecycleRuns() throws Exception {
    AppSupervisor first = supervisor(Ports.freeLoopbackPort());
    proxy = new GatedProxy(vertx, first.port(), Map.of());
    recycler = new Recycler(vertx, first, this::supervisor, proxy.runtime.target(), proxy.gate,
        new Recycler.Timing(Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofMillis(300)),
        Clock.systemUTC(), proxy.fiveXx::get);
    Throwable notUp = recycler.recycle("test", RecyclePath.OVERLAP).cause();
    assertEquals("the app is stopped, not up", notUp.getMessage());
    await(first.start(), 10);
    await(first.firstUp(), 15);
    Future<RecycleRecord> running = recycler.recycle("test", RecyclePath.OVERLAP);
    assertEquals("a recycle is already running", recycler.recycle("again", RecyclePath.HOLD).cause().getMessage());
    assertTrue(await(running, 60).completed());
  }

  @Test
  void overlapMovesTrafficToASecondChildWithoutAFailedRequest() throws Exception {
    start();
    AppSupervisor old = recycler.current();
    long oldPid = old.pid().orElseThrow();
    RecycleRecord r;
    try (Load load = new Load()) {
      load.waitFor(20);
      r = await(recycler.recycle("test", RecyclePath.OVERLAP), 60);
      load.waitFor(20);
      load.close();
      assertEquals(List.of(), load.failures, "no request failed");
      long newPid = recycler.current().pid().orElseThrow();
      assertNotEquals(oldPid, newPid);
      assertEquals(Set.of(String.valueOf(oldPid), String.valueOf(newPid)), load.pids, "both children served");
    }
    assertTrue(r.completed(), String.valueOf(r.error()));
    assertEquals(RecyclePath.OVERLAP, r.path());
    assertEquals(0, r.failed());
    assertTrue(r.duration().compareTo(Duration.ofSeconds(5)) < 0, "drained without waiting out the 10 s drain"
        + " timeout: " + r.duration());
    assertEquals(0, r.held(), "nothing waited: the gate never closed");
    assertNotNull(r.rssBeforeMiB());
    assertNotNull(r.rssAfterMiB());
    assertEquals(AppState.STOPPED, old.state());
    assertFalse(ProcessHandle.of(oldPid).map(ProcessHandle::isAlive).orElse(false), "the old child is gone");
    assertEquals(AppState.UP, recycler.state());
    assertEquals(recycler.current().port(), proxy.runtime.target().current().port());
    waitUntil("the fresh child's baseline is measured", () -> recycler.baselineMiB() != null);
  }

  @Test
  void holdStopsTheOldChildFirstAndHoldsRequestsWithoutAFailedRequest() throws Exception {
    start();
    AppSupervisor old = recycler.current();
    long oldPid = old.pid().orElseThrow();
    RecycleRecord r;
    try (Load load = new Load()) {
      load.waitFor(20);
      Future<RecycleRecord> running = recycler.recycle("test", RecyclePath.HOLD);
      assertEquals(AppState.RECYCLING, recycler.state());
      r = await(running, 60);
      load.waitFor(20);
      load.close();
      assertEquals(List.of(), load.failures, "no request failed");
    }
    assertTrue(r.completed(), String.valueOf(r.error()));
    assertEquals(RecyclePath.HOLD, r.path());
    assertEquals(0, r.failed());
    assertTrue(r.duration().compareTo(Duration.ofSeconds(5)) < 0, "drained without waiting out the 10 s drain"
        + " timeout: " + r.duration());
    assertTrue(r.held() > 0, "requests waited while no child was there: " + r);
    assertFalse(ProcessHandle.of(oldPid).map(ProcessHandle::isAlive).orElse(false));
    assertTrue(proxy.gate.isOpen());
    assertEquals(0, proxy.gate.held());
    assertEquals(AppState.UP, recycler.state());
  }

  static void waitUntil(String what, java.util.function.BooleanSupplier cond) throws Exception {
    waitUntil(what, cond, 10);
  }

  static void waitUntil(String what, java.util.function.BooleanSupplier cond, long seconds) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within " + seconds + " s: " + what);
      }
      Thread.sleep(20);
    }
  }
}
