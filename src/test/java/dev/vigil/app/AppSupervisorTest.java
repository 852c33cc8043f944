package dev.vigil.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The supervisor against real child processes: the test suite's own leaky Python app. */
class AppSupervisorTest {

  static final String PYTHON = "/usr/bin/python3";

  Vertx vertx;
  AppSupervisor sup;
  final Recorder rec = new Recorder();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (sup != null) {
      await(sup.stop(), 20);
    }
    await(vertx.close(), 10);
  }

  static Path app() throws Exception {
    return Path.of(AppSupervisorTest.class.getResource("/app/leaky_app.py").toURI());
  }

  static AppOptions leaky(String... extraArgs) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(PYTHON, app().toString()));
    cmd.addAll(List.of(extraArgs));
    return AppOptions.of(cmd, Ports.freeLoopbackPort())
        .withHealth("/health", Duration.ofMillis(50), Duration.ofSeconds(2));
  }

  AppSupervisor start(AppOptions opts) throws Exception {
    sup = new AppSupervisor(vertx, opts, Clock.systemUTC()).addListener(rec);
    await(sup.start(), 10);
    return sup;
  }

  static <T> T await(Future<T> f, long seconds) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(seconds, TimeUnit.SECONDS);
  }

  static HttpResponse<String> get(int port, String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Field 5 of /proc/PID/stat (after the parenthesised command): the process group. */
  static long pgid(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[2]);
  }

  static void waitUntil(String what, long seconds, java.util.function.BooleanSupplier cond) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within " + seconds + " s: " + what);
      }
      Thread.sleep(20);
    }
  }

  @Test
  void startsInItsOwnGroupWithThePortAndARaisedOomScore() throws Exception {
    AppOptions opts = leaky("--port", "{port}").withEnv(Map.of("EXTRA", "1"));
    start(opts);
    await(sup.firstUp(), 15);
    assertEquals(AppState.UP, sup.state());
    long pid = sup.pid().orElseThrow();
    assertEquals(pid, pgid(pid), "the child leads its own process group");
    assertEquals("1000", Files.readString(Path.of("/proc/" + pid + "/oom_score_adj")).trim());

    JsonObject info = new JsonObject(get(opts.port(), "/info").body());
    assertEquals(pid, info.getLong("pid"), "setsid execs in place: the supervised pid is the app");
    assertEquals(String.valueOf(opts.port()), info.getString("PORT"));
    assertEquals(List.of("--port", String.valueOf(opts.port())), info.getJsonArray("argv").getList());

    AppExit exit = await(sup.stop(), 15);
    assertTrue(exit.requested());
    assertEquals("stopped", exit.reason());
    assertEquals(AppState.STOPPED, sup.state());
    assertEquals(List.of(AppState.STARTING, AppState.UP, AppState.STOPPED), rec.states);
    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    sup = null;
  }

  @Test
  void aCrashLoopBacksOffDoublingUpToTheCap() throws Exception {
    AppOptions opts = AppOptions.of(List.of("sh", "-c", "exit 3"), Ports.freeLoopbackPort())
        .withBackoff(Duration.ofMillis(100), Duration.ofMillis(400));
    start(opts);
    List<Duration> delays = new ArrayList<>();
    List<Long> gapsMs = new ArrayList<>();
    Recorder.Started prev = Recorder.take(rec.started, 10, "start");
    for (int i = 0; i < 5; i++) {
      Recorder.Exited e = Recorder.take(rec.exited, 10, "exit " + i);
      assertEquals(3, e.exit().exitCode());
      assertNull(e.exit().signal());
      assertEquals("crash", e.exit().reason());
      delays.add(e.restartIn());
      Recorder.Started next = Recorder.take(rec.started, 10, "restart " + i);
      gapsMs.add(TimeUnit.NANOSECONDS.toMillis(next.nanos() - e.nanos()));
      prev = next;
    }
    assertEquals(List.of(100L, 200L, 400L, 400L, 400L), delays.stream().map(Duration::toMillis).toList());
    for (int i = 0; i < 5; i++) {
      long want = delays.get(i).toMillis();
      long got = gapsMs.get(i);
      assertTrue(got >= want - 5 && got < want + 1000, "restart " + i + " came " + got + " ms after the exit, back-off " + want);
    }
    assertEquals(AppState.RESTARTING, sup.state());
    assertTrue(sup.restarts().get("crash") >= 5);
    assertFalse(sup.firstUp().isComplete());
    assertNotEquals(0, prev.pid());
  }

  @Test
  void aSigkilledChildIsRestartedAndTheRestartReported() throws Exception {
    AppOptions opts = leaky().withBackoff(Duration.ofMillis(200), Duration.ofSeconds(5));
    start(opts);
    await(sup.firstUp(), 15);
    long first = sup.pid().orElseThrow();
    assertTrue(ProcessHandle.of(first).orElseThrow().destroyForcibly(), "SIGKILL sent");

    Recorder.Exited e = Recorder.take(rec.exited, 10, "exit");
    assertEquals(9, e.exit().signal());
    assertNull(e.exit().exitCode());
    assertFalse(e.exit().oomKilled(), "the cgroup's oom_kill count did not rise: a plain crash");
    assertEquals("crash", e.exit().reason());
    assertEquals("signal 9 (SIGKILL)", e.exit().status());
    assertEquals(Duration.ofMillis(200), e.restartIn());

    AppRestart r = Recorder.take(rec.restarted, 15, "restart");
    long second = sup.pid().orElseThrow();
    assertNotEquals(first, second);
    assertEquals(second, r.newPid());
    assertEquals("crash", r.reason());
    assertTrue(r.timeToHealthy().toMillis() >= 200, "took at least the back-off: " + r.timeToHealthy());
    assertEquals(AppState.UP, sup.state());
    assertEquals(Map.of("crash", 1L, "oom_killed", 0L), sup.restarts());
    assertEquals(r, sup.lastRestart());
    assertEquals(200, get(opts.port(), "/").statusCode());
  }

  @Test
  void aChildThatNeverAnswersItsHealthPathStaysStarting() throws Exception {
    AppOptions opts = leaky().withEnv(Map.of("NEVER_HEALTHY", "1"));
    start(opts);
    long pid = sup.pid().orElseThrow();
    // The app answers (503) on its port: wait until it does, then give the poller several rounds.
    waitUntil("the app answers", 15, () -> {
      try {
        return get(opts.port(), "/health").statusCode() == 503;
      } catch (Exception e) {
        return false;
      }
    });
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(500);
    while (System.nanoTime() < end) {
      assertEquals(AppState.STARTING, sup.state());
      Thread.sleep(50);
    }
    assertFalse(sup.firstUp().isComplete());
    assertTrue(ProcessHandle.of(pid).orElseThrow().isAlive());
    assertTrue(rec.exited.isEmpty());
    AppExit exit = await(sup.stop(), 15);
    assertEquals(15, exit.signal(), "stopped by SIGTERM");
    sup = null;
  }

  @Test
  void aChildIgnoringSigtermIsKilledAfterTheStopTimeout() throws Exception {
    AppOptions opts = leaky().withEnv(Map.of("IGNORE_TERM", "1")).withStopTimeout(Duration.ofMillis(600));
    start(opts);
    await(sup.firstUp(), 15);
    long pid = sup.pid().orElseThrow();
    long t0 = System.nanoTime();
    AppExit exit = await(sup.stop(), 15);
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
    assertEquals(9, exit.signal(), "SIGKILL after the stop timeout");
    assertTrue(exit.requested());
    assertFalse(exit.oomKilled());
    assertTrue(tookMs >= 600 && tookMs < 5000, "stop took " + tookMs + " ms");
    assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
    assertEquals(AppState.STOPPED, sup.state());
    sup = null;
  }

  @Test
  void onFailureDoesNotRestartACleanExitAndNeverDoesNotRestartACrash() throws Exception {
    start(leaky().withEnv(Map.of("EXIT_AT_START", "0")).withPolicy(RestartPolicy.ON_FAILURE));
    Recorder.Exited e = Recorder.take(rec.exited, 10, "exit");
    assertEquals(0, e.exit().exitCode());
    assertNull(e.restartIn());
    waitUntil("stopped", 5, () -> sup.state() == AppState.STOPPED);
    await(sup.stop(), 5);

    Recorder rec2 = new Recorder();
    sup = new AppSupervisor(vertx, leaky().withEnv(Map.of("EXIT_AT_START", "4")).withPolicy(RestartPolicy.NEVER),
        Clock.systemUTC()).addListener(rec2);
    await(sup.start(), 10);
    Recorder.Exited e2 = Recorder.take(rec2.exited, 10, "exit");
    assertEquals(4, e2.exit().exitCode());
    assertNull(e2.restartIn());
    waitUntil("stopped", 5, () -> sup.state() == AppState.STOPPED);
    assertEquals(1, rec2.started.size());
  }

  @Test
  void leftoverProcessesOfADeadLeadersGroupAreKilled() throws Exception {
    // The leader starts a worker in its group, then dies: the worker must not outlive it (it could hold the port).
    Path pidFile = Files.createTempFile("vigil-worker", ".pid");
    AppOptions opts = AppOptions.of(List.of("sh", "-c", "sleep 300 & echo $! > " + pidFile + "; sleep 0.3; exit 5"),
        Ports.freeLoopbackPort()).withPolicy(RestartPolicy.NEVER);
    start(opts);
    Recorder.Exited e = Recorder.take(rec.exited, 10, "exit");
    assertEquals(5, e.exit().exitCode());
    long worker = Long.parseLong(Files.readString(pidFile).trim());
    waitUntil("the worker is gone", 5, () -> ProcessHandle.of(worker).map(h -> !h.isAlive()).orElse(true));
    Files.deleteIfExists(pidFile);
  }
}
