package dev.vigil.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.testing.TestCgroup;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vigil run} as a real process, where the behaviour needs one: signals to Vigil and its exit
 * code, and a real OOM kill in a memory cgroup that holds both Vigil and its app (as a container does).
 */
class RunProcessTest {

  private static final Pattern LISTENING =
      Pattern.compile("listening on [^:]+:(\\d+), forwarding to http://127\\.0\\.0\\.1:(\\d+) \\(the app: .*, pid (\\d+)\\)");

  final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  final LinkedBlockingQueue<String> stdout = new LinkedBlockingQueue<>();
  Process vigil;

  @TempDir
  Path dir;

  @AfterEach
  void tearDown() throws Exception {
    if (vigil != null && vigil.isAlive()) {
      // Descendants first: under unshare, Vigil is a child that would outlive its parent.
      vigil.descendants().forEach(ProcessHandle::destroyForcibly);
      vigil.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  record Started(int proxyPort, int appPort, long appPid) {
  }

  /** Starts {@code [prefix...] java ... dev.vigil.Main run SETTINGS -- env ENV python3 leaky_app.py}. */
  Started start(List<String> prefix, List<String> jvmFlags, Map<String, String> settings, String... childEnv)
      throws Exception {
    List<String> app = new ArrayList<>(List.of("env"));
    app.addAll(List.of(childEnv));
    app.addAll(List.of(AppSupervisorTest.PYTHON, AppSupervisorTest.app().toString()));
    return startApp(prefix, jvmFlags, settings, app);
  }

  /** Starts {@code [prefix...] java ... dev.vigil.Main run SETTINGS -- APP...}. */
  Started startApp(List<String> prefix, List<String> jvmFlags, Map<String, String> settings, List<String> app)
      throws Exception {
    List<String> cmd = new ArrayList<>(prefix);
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(jvmFlags);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.vigil.Main", "run",
        "--set", "listen.port=0", "--set", "listen.host=127.0.0.1", "--set", "memory.enabled=false",
        "--set", "keepalive.enabled=false", "--set", "upstream.health.path=/health",
        "--set", "upstream.health.interval=200ms", "--set", "app.restart.backoff=100ms"));
    settings.forEach((k, v) -> cmd.addAll(List.of("--set", k + "=" + v)));
    cmd.add("--");
    cmd.addAll(app);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false)
        .redirectError(dir.resolve("stderr.txt").toFile());
    // This JVM is Vigil itself (what is asserted on is its pid), not a launcher that relaunches one.
    pb.environment().put("VIGIL_RELAUNCH", "false");
    vigil = pb.start();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(vigil.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          stdout.add(line);
        }
      } catch (IOException ignored) {
        // the process ended
      }
    });
    reader.setDaemon(true);
    reader.start();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < end) {
      String line = stdout.poll(1, TimeUnit.SECONDS);
      if (line == null) {
        if (!vigil.isAlive()) {
          throw new AssertionError("vigil exited " + vigil.exitValue() + ": " + stderr());
        }
        continue;
      }
      Matcher m = LISTENING.matcher(line);
      if (m.find()) {
        return new Started(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), Long.parseLong(m.group(3)));
      }
    }
    throw new AssertionError("vigil did not say it listens within 60 s: " + stderr());
  }

  String stderr() throws IOException {
    return Files.readString(dir.resolve("stderr.txt"));
  }

  int status(int port, String path) {
    try {
      return get(port, path).statusCode();
    } catch (Exception e) {
      return -1;
    }
  }

  HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void sigtermStopsAChildThatIgnoresItWithSigkillAfterTheStopTimeoutAndExitsZero() throws Exception {
    Started s = start(List.of(), List.of(), Map.of("app.stopTimeout", "1500ms"), "IGNORE_TERM=1");
    RunModeTest.waitUntil("ready", 30, () -> status(s.proxyPort(), "/sidecar/health/ready") == 200);
    ProcessHandle child = ProcessHandle.of(s.appPid()).orElseThrow();

    long t0 = System.nanoTime();
    vigil.destroy(); // SIGTERM
    assertTrue(vigil.waitFor(60, TimeUnit.SECONDS), "vigil exits");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(0, vigil.exitValue(), stderr());
    assertTrue(ms >= 1_400, "waited app.stopTimeout before SIGKILL: " + ms + " ms");
    RunModeTest.waitUntil("the child gone", 10, () -> !child.isAlive());
    assertTrue(stderr().contains("did not exit within 1500 ms of SIGTERM; sending SIGKILL"), stderr());
  }

  /**
   * Vigil as PID 1 of its own PID namespace, as in a container: the app's pid there is small, which
   * {@code /usr/bin/kill -s TERM -- -27} (procps-ng) takes for a signal number; stop must still reach
   * the app's group at once. Vigil says that it reaps orphans as PID 1.
   */
  @Test
  void asPid1InItsOwnPidNamespaceSigtermStopsTheAppAtOnceAndExitsZero() throws Exception {
    Started s = start(List.of("unshare", "--pid", "--fork", "--mount-proc"), List.of(),
        Map.of("app.stopTimeout", "20s"));
    RunModeTest.waitUntil("ready", 30, () -> status(s.proxyPort(), "/sidecar/health/ready") == 200);
    ProcessHandle java = vigil.children().findFirst().orElseThrow(); // unshare --fork's child: PID 1 inside
    RunModeTest.waitUntil("the PID 1 note", 10, () -> stdout.contains("vigil: running as PID 1: reaping orphaned processes"));

    long t0 = System.nanoTime();
    java.destroy(); // SIGTERM to Vigil
    assertTrue(vigil.waitFor(60, TimeUnit.SECONDS), "vigil exits");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(0, vigil.exitValue(), stderr());
    assertTrue(ms < 10_000, "the app got SIGTERM at once, not SIGKILL after app.stopTimeout: " + ms + " ms");
    assertTrue(!stderr().contains("sending SIGKILL"), stderr());
  }

  /** The app as a shell that leaves an orphan behind ({@code sleep 300}) and then becomes the leaky app. */
  static List<String> appLeavingAnOrphan() throws Exception {
    return List.of("sh", "-c", "(sleep 300 &); exec \"$0\" \"$1\"", AppSupervisorTest.PYTHON,
        AppSupervisorTest.app().toString());
  }

  /**
   * Issue 13, "zombie reaping as PID 1": Vigil as PID 1 of a PID namespace (a container) collects
   * the app's orphans once they exit (here killed from outside, and killed with the crashed app's
   * group), while the app's own exit code still reaches the restart classification.
   */
  @Test
  void asPid1ItReapsTheAppsOrphansAndStillGetsTheAppsOwnExitCode() throws Exception {
    Started s = startApp(List.of("unshare", "--pid", "--fork", "--mount-proc"), List.of(), Map.of(),
        appLeavingAnOrphan());
    RunModeTest.waitUntil("ready", 30, () -> status(s.proxyPort(), "/sidecar/health/ready") == 200);
    long java = vigil.children().findFirst().orElseThrow().pid(); // PID 1 inside, seen from here
    RunModeTest.waitUntil("the PID 1 note", 10, () -> stdout.contains("vigil: running as PID 1: reaping orphaned processes"));

    // The orphan was re-parented to Vigil. A crash: the app's group is killed, orphan included, and
    // the orphan is then a zombie until Vigil waits for it; the app's own exit code is kept.
    long first = waitFor("the orphan adopted by Vigil", 10, () -> orphanSleep(java));
    try {
      get(s.appPort(), "/crash?code=7");
    } catch (IOException expected) {
      // the app exits before it answers
    }
    RunModeTest.waitUntil("the restart", 30, () -> {
      try {
        JsonObject app = new JsonObject(get(s.proxyPort(), "/sidecar/health").body()).getJsonObject("app");
        return "up".equals(app.getString("state")) && app.getJsonObject("restarts").getInteger("crash") == 1;
      } catch (Exception e) {
        return false;
      }
    });
    JsonObject last = new JsonObject(get(s.proxyPort(), "/sidecar/health").body()).getJsonObject("app")
        .getJsonObject("last_restart");
    assertEquals("crash", last.getString("reason"));
    assertEquals("exit code 7", last.getString("exit"), "the app's real exit code, not lost to the reaper");
    RunModeTest.waitUntil("the crashed app's orphan reaped", 10, () -> gone(first));
    // The restarted app's orphan, killed from outside (as by the OOM killer): reaped too.
    long second = waitFor("the restarted app's orphan", 10, () -> orphanSleep(java));
    ProcessHandle.of(second).orElseThrow().destroyForcibly();
    RunModeTest.waitUntil("its orphan reaped", 10, () -> gone(second));
    RunModeTest.waitUntil("no zombie left under Vigil", 10, () -> zombieChildren(java).isEmpty());
    assertEquals(200, status(s.proxyPort(), "/"), "the app keeps serving through Vigil");

    ProcessHandle.of(java).orElseThrow().destroy(); // SIGTERM to Vigil
    assertTrue(vigil.waitFor(60, TimeUnit.SECONDS), "vigil exits");
    assertEquals(0, vigil.exitValue(), stderr());
  }

  /** Not PID 1: Vigil makes itself a child subreaper, so the app's orphans come to it, not to init. */
  @Test
  void notPid1ItIsAChildSubreaperAndReapsTheAppsOrphans() throws Exception {
    Started s = startApp(List.of(), List.of(), Map.of(), appLeavingAnOrphan());
    RunModeTest.waitUntil("ready", 30, () -> status(s.proxyPort(), "/sidecar/health/ready") == 200);
    long orphan = waitFor("the orphan adopted by Vigil", 10, () -> orphanSleep(vigil.pid()));
    ProcessHandle.of(orphan).orElseThrow().destroyForcibly();
    RunModeTest.waitUntil("the killed orphan reaped", 10, () -> gone(orphan));
    assertTrue(ProcessHandle.of(s.appPid()).map(ProcessHandle::isAlive).orElse(false), "the app keeps running");
    vigil.destroy();
    assertTrue(vigil.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, vigil.exitValue(), stderr());
  }

  /** {@code pid, state, ppid, command} of each process, from {@code /proc/PID/stat}. */
  record Proc(long pid, char state, long ppid, String comm) {
  }

  static List<Proc> procs() {
    List<Proc> out = new ArrayList<>();
    try (var dir = Files.newDirectoryStream(Path.of("/proc"), p -> p.getFileName().toString().matches("\\d+"))) {
      for (Path p : dir) {
        try {
          String st = Files.readString(p.resolve("stat"));
          int open = st.indexOf('(');
          int close = st.lastIndexOf(')');
          String[] f = st.substring(close + 2).split(" ");
          out.add(new Proc(Long.parseLong(st.substring(0, open).trim()), f[0].charAt(0), Long.parseLong(f[1]),
              st.substring(open + 1, close)));
        } catch (IOException | RuntimeException gone) {
          // ended meanwhile
        }
      }
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return out;
  }

  /** A live {@code sleep} whose parent is {@code parent} (an orphan it adopted), or null. */
  static Long orphanSleep(long parent) {
    return procs().stream().filter(p -> p.ppid() == parent && p.state() != 'Z' && p.comm().equals("sleep"))
        .map(Proc::pid).findFirst().orElse(null);
  }

  static List<Proc> zombieChildren(long parent) {
    return procs().stream().filter(p -> p.ppid() == parent && p.state() == 'Z').toList();
  }

  /** Polls {@code get} until it is not null, within {@code seconds}. */
  static <T> T waitFor(String what, long seconds, Supplier<T> get) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    T v;
    while ((v = get.get()) == null) {
      if (System.nanoTime() > end) {
        throw new AssertionError("no " + what + " within " + seconds + " s");
      }
      Thread.sleep(20);
    }
    return v;
  }

  /** Gone for good: not even a zombie. */
  static boolean gone(long pid) {
    return !Files.exists(Path.of("/proc", Long.toString(pid)));
  }

  /**
   * Issue 14, "real cgroup, real leak, real load", through {@code vigil run} itself: Vigil and its
   * leaky app share a fresh cgroup (as a container), {@code memory.source} auto reads that cgroup's
   * working set, and with {@code recycle.enabled} Vigil replaces the app before the limit, at least
   * three times, while a bounded load leaks through it. Here the limit leaves room for a second
   * child (its baseline is measured a second after it is healthy), so every recycle overlaps. The
   * control is {@link #theKernelOomKillsTheAppNotVigilAndEveryRequestThroughVigilGets200}: the same
   * cgroup and leak with recycling off, where the kernel OOM-kills the app.
   */
  @Test
  void withRoomForASecondChildVigilOverlapsTheLeakingAppBeforeTheOomKillAndNoRequestFails() throws Exception {
    JsonObject recycles = recycleUnderLoad(384L << 20, leakyApp(), Map.of(), "overlap");
    assertEquals(0, recycles.getJsonObject("by_path").getLong("hold"), recycles.encode());
    assertTrue(recycles.getJsonObject("last").getString("path_reason").matches(
        ".* MiB \\+ .* MiB baseline \\+ .* MiB margin = .* MiB fits under the 384 MiB limit"), recycles.encode());
  }

  /** The same with an 80% margin: a second child never fits, so every recycle holds the requests instead. */
  @Test
  void withoutRoomForASecondChildVigilHoldsTheRequestsWhileItRecyclesAndNoRequestFails() throws Exception {
    JsonObject recycles = recycleUnderLoad(320L << 20, leakyApp(), Map.of("recycle.margin", "80%"), "hold");
    assertEquals(0, recycles.getJsonObject("by_path").getLong("overlap"), recycles.encode());
    assertTrue(recycles.getJsonObject("last").getString("path_reason").matches(
        ".* MiB \\+ .* MiB baseline \\+ .* MiB margin = .* MiB does not fit under the 320 MiB limit"), recycles.encode());
  }

  /** The Flask app under gunicorn (a master and two workers, each leaking on its own) recycled the same way. */
  @Test
  void aLeakingGunicornAppIsRecycledBeforeTheOomKillAndNoRequestFails() throws Exception {
    Path appDir = Path.of(getClass().getResource("/app/flask_app.py").toURI()).getParent();
    recycleUnderLoad(384L << 20, List.of("/usr/bin/gunicorn", "-w", "2", "-b", "127.0.0.1:{port}", "--chdir",
        appDir.toString(), "flask_app:app"), Map.of(), "overlap");
  }

  static List<String> leakyApp() throws Exception {
    return List.of("env", AppSupervisorTest.PYTHON, AppSupervisorTest.app().toString());
  }

  /**
   * Runs {@code app} under {@code vigil run} in a fresh cgroup of {@code limit} bytes shared with
   * Vigil, leaks 1 MiB per request through Vigil from two clients until three recycles and one and a
   * half limits of leak are done, and checks: no OOM kill, every request 200, at least three
   * recycles by {@code path}, none failed. Returns {@code app.recycles}.
   */
  JsonObject recycleUnderLoad(long limit, List<String> app, Map<String, String> extra, String path) throws Exception {
    try (TestCgroup cg = TestCgroup.createV1(limit)) {
      Map<String, String> settings = new java.util.LinkedHashMap<>();
      settings.put("memory.enabled", "true");
      settings.put("memory.source", "auto");
      settings.put("memory.poll.interval", "100ms");
      settings.put("memory.trend.window", "2s");
      settings.put("recycle.enabled", "true");
      settings.put("recycle.horizon", "3s");
      settings.put("recycle.minInterval", "2s");
      settings.put("recycle.baselineAfter", "1s");
      settings.put("recycle.lead", "2s");
      settings.put("lifecycle.drainTimeout", "5s");
      settings.put("app.stopTimeout", "5s");
      settings.putAll(extra);
      Started s = startApp(cg.wrap(List.of()), List.of("-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
          "-XX:ReservedCodeCacheSize=32m", "-Xss512k"), settings, app);
      RunModeTest.waitUntil("ready", 30, () -> status(s.proxyPort(), "/sidecar/health/ready") == 200);
      assertTrue(cg.pids().contains(vigil.pid()) && cg.pids().contains(s.appPid()), "Vigil and the app share the cgroup");
      String mib = Long.toString(limit >> 20);
      RunModeTest.waitUntil("the cgroup chosen as the memory source, the baseline measured", 30, () -> {
        try {
          JsonObject doc = new JsonObject(get(s.proxyPort(), "/sidecar/health").body());
          JsonObject memory = new JsonObject(get(s.proxyPort(), "/sidecar/memory").body());
          return "auto".equals(memory.getString("source_setting")) && "cgroup".equals(memory.getString("limit_source"))
              && String.valueOf(memory.getString("source_reason")).contains("memory limit of " + mib + " MiB")
              && doc.getJsonObject("app").getJsonObject("recycles").getValue("baseline_mib") != null;
        } catch (Exception e) {
          return false;
        }
      });
      long killsBefore = cg.oomKills();

      // Bounded load: two clients, each leaking 1 MiB per request through Vigil about 25 times a second.
      AtomicBoolean stop = new AtomicBoolean();
      Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
      List<Thread> load = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        Thread th = new Thread(() -> {
          while (!stop.get()) {
            statuses.merge(status(s.proxyPort(), "/leak?mb=1"), 1, Integer::sum);
            try {
              Thread.sleep(40); // pacing of the load, not a wait for a condition
            } catch (InterruptedException e) {
              return;
            }
          }
        });
        th.start();
        load.add(th);
      }
      long leakMiB = 3 * (limit >> 20) / 2;
      try {
        RunModeTest.waitUntil("three recycles and " + leakMiB + " MiB leaked", 90, () ->
            recycles(s.proxyPort()) >= 3 && statuses.getOrDefault(200, 0) >= leakMiB);
      } finally {
        stop.set(true);
        for (Thread th : load) {
          th.join(35_000);
        }
      }
      JsonObject doc = new JsonObject(get(s.proxyPort(), "/sidecar/health").body());
      JsonObject recycles = doc.getJsonObject("app").getJsonObject("recycles");
      System.out.println("recycling (" + path + ") under load in a " + mib + " MiB cgroup: " + statuses + "; "
          + recycles.encode() + "; oom kills " + (cg.oomKills() - killsBefore));

      assertEquals(killsBefore, cg.oomKills(), "the kernel never killed anything in the cgroup");
      assertEquals(Map.of(200, statuses.get(200)), statuses, "every request through Vigil got 200: " + statuses);
      assertTrue(recycles.getJsonObject("by_path").getLong(path) >= 3, recycles.encode());
      assertEquals(path, recycles.getJsonObject("last").getString("path"), recycles.encode());
      assertEquals(0, doc.getJsonObject("app").getJsonObject("restarts").getInteger("oom_killed"), doc.encode());
      assertEquals(0, recycles.getJsonObject("last").getLong("failed"), recycles.encode());
      assertTrue(vigil.isAlive());

      vigil.destroy();
      assertTrue(vigil.waitFor(60, TimeUnit.SECONDS));
      assertEquals(0, vigil.exitValue(), stderr());
      return recycles;
    }
  }

  /** {@code app.recycles.total} in {@code /sidecar/health}, or -1 while it cannot be read. */
  long recycles(int proxyPort) {
    try {
      return new JsonObject(get(proxyPort, "/sidecar/health").body()).getJsonObject("app").getJsonObject("recycles")
          .getLong("total");
    } catch (Exception e) {
      return -1;
    }
  }

  @Test
  void theKernelOomKillsTheAppNotVigilAndEveryRequestThroughVigilGets200() throws Exception {
    try (TestCgroup cg = TestCgroup.createV1(320L << 20)) {
      Started s = start(cg.wrap(List.of()), List.of("-Xmx96m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
          "-XX:ReservedCodeCacheSize=32m", "-Xss512k"), Map.of());
      RunModeTest.waitUntil("ready", 30, () -> status(s.proxyPort(), "/sidecar/health/ready") == 200);
      assertTrue(cg.pids().contains(vigil.pid()) && cg.pids().contains(s.appPid()), "Vigil and the app share the cgroup");
      long killsBefore = cg.oomKills();

      // Bounded load through Vigil while the app leaks (driven on its own port, so the load stays plain GETs).
      AtomicBoolean stop = new AtomicBoolean();
      Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
      List<Thread> load = new ArrayList<>();
      for (int t = 0; t < 3; t++) {
        Thread th = new Thread(() -> {
          while (!stop.get()) {
            int code = status(s.proxyPort(), "/info");
            statuses.merge(code, 1, Integer::sum);
          }
        });
        th.start();
        load.add(th);
      }
      for (int i = 0; i < 100 && ProcessHandle.of(s.appPid()).map(ProcessHandle::isAlive).orElse(false); i++) {
        try {
          get(s.appPort(), "/leak?mb=8");
        } catch (IOException killedMidRequest) {
          break;
        }
      }
      RunModeTest.waitUntil("the OOM restart", 30, () -> {
        try {
          JsonObject app = new JsonObject(get(s.proxyPort(), "/sidecar/health").body()).getJsonObject("app");
          return "up".equals(app.getString("state")) && app.getJsonObject("restarts").getInteger("oom_killed") == 1;
        } catch (Exception e) {
          return false;
        }
      });
      Thread.sleep(300); // load on the new child too
      stop.set(true);
      for (Thread th : load) {
        th.join(30_000);
      }

      assertTrue(vigil.isAlive(), "the kernel chose the app, not Vigil");
      assertTrue(cg.oomKills() > killsBefore, "the cgroup's oom_kill count rose");
      assertEquals(Map.of(200, statuses.get(200)), statuses, "every request through Vigil got 200: " + statuses);
      JsonObject doc = new JsonObject(get(s.proxyPort(), "/sidecar/health").body());
      JsonObject last = doc.getJsonObject("app").getJsonObject("last_restart");
      assertEquals("oom_killed", last.getString("reason"));
      assertEquals("signal 9 (SIGKILL)", last.getString("exit"));
      assertTrue(doc.getJsonArray("issues").stream().map(String::valueOf)
              .anyMatch(x -> x.matches("the app was killed by the OOM killer at \\d\\d:\\d\\d \\(limit 320 MiB\\)"
                  + " and restarted in \\d+\\.\\d s; .*")), doc.getJsonArray("issues").encode());
      System.out.println("OOM kill under load: " + statuses + "; " + doc.getJsonArray("issues").encode());
      String metrics = get(s.proxyPort(), "/sidecar/metrics").body();
      assertTrue(metrics.contains("vigil_app_restarts_total{reason=\"oom_killed\"} 1.0"), metrics);

      vigil.destroy();
      assertTrue(vigil.waitFor(60, TimeUnit.SECONDS));
      assertEquals(0, vigil.exitValue(), stderr());
    }
  }
}
