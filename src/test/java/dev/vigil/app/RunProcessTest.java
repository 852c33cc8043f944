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
    List<String> cmd = new ArrayList<>(prefix);
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(jvmFlags);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.vigil.Main", "run",
        "--set", "listen.port=0", "--set", "listen.host=127.0.0.1", "--set", "memory.enabled=false",
        "--set", "keepalive.enabled=false", "--set", "upstream.health.path=/health",
        "--set", "upstream.health.interval=200ms", "--set", "app.restart.backoff=100ms"));
    settings.forEach((k, v) -> cmd.addAll(List.of("--set", k + "=" + v)));
    cmd.add("--");
    cmd.add("env");
    cmd.addAll(List.of(childEnv));
    cmd.addAll(List.of(AppSupervisorTest.PYTHON, AppSupervisorTest.app().toString()));
    vigil = new ProcessBuilder(cmd).redirectErrorStream(false)
        .redirectError(dir.resolve("stderr.txt").toFile()).start();
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
   * the app's group at once. Vigil warns that it does not reap orphans as PID 1 (README: use tini).
   */
  @Test
  void asPid1InItsOwnPidNamespaceSigtermStopsTheAppAtOnceAndExitsZero() throws Exception {
    Started s = start(List.of("unshare", "--pid", "--fork", "--mount-proc"), List.of(),
        Map.of("app.stopTimeout", "20s"));
    RunModeTest.waitUntil("ready", 30, () -> status(s.proxyPort(), "/sidecar/health/ready") == 200);
    ProcessHandle java = vigil.children().findFirst().orElseThrow(); // unshare --fork's child: PID 1 inside
    RunModeTest.waitUntil("the PID 1 warning", 10, () -> {
      try {
        return stderr().contains("running as PID 1: orphaned processes of the app are not reaped");
      } catch (IOException e) {
        return false;
      }
    });

    long t0 = System.nanoTime();
    java.destroy(); // SIGTERM to Vigil
    assertTrue(vigil.waitFor(60, TimeUnit.SECONDS), "vigil exits");
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(0, vigil.exitValue(), stderr());
    assertTrue(ms < 10_000, "the app got SIGTERM at once, not SIGKILL after app.stopTimeout: " + ms + " ms");
    assertTrue(!stderr().contains("sending SIGKILL"), stderr());
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
