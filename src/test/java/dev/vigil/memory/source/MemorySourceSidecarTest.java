package dev.vigil.memory.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.Sidecar;
import dev.vigil.testing.Gunicorn;
import dev.vigil.testing.TestCgroup;
import dev.vigil.testing.Vigils;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code memory.source} through a real sidecar: a real gunicorn master with two workers serving a
 * tiny Flask app (in a fresh memory cgroup without a limit), and a real process holding 24 MiB in a
 * fresh cgroup limited to 96 MiB. "Run mode" is a sidecar given the app's pid, as {@code vigil run}
 * gives it. Figures are checked against what {@code /proc} and the cgroup's files say.
 */
class MemorySourceSidecarTest {

  private static final long LIMIT = 96L << 20;
  private static final double MIB = 1 << 20;

  static TestCgroup unlimited;
  static Gunicorn gunicorn;
  static TestCgroup limited;
  static Process holder;

  private Vertx vertx;
  private final List<Sidecar> sidecars = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void startApps() throws Exception {
    unlimited = TestCgroup.createV1(-1);
    gunicorn = Gunicorn.start(2, unlimited::wrap);
    limited = TestCgroup.createV1(LIMIT);
    // Holds 24 MiB (every page touched) and sleeps, so the cgroup's figures are steady.
    holder = new ProcessBuilder(limited.wrap(List.of("/usr/bin/python3", "-c",
        "import time; b = bytearray(24 << 20); b[::4096] = b'x' * len(b[::4096]); print('ready', flush=True);"
            + " time.sleep(600)"))).redirectErrorStream(true).start();
    assertEquals("ready", new String(holder.getInputStream().readNBytes(5)));
  }

  @AfterAll
  static void stopApps() throws Exception {
    if (gunicorn != null) {
      gunicorn.close();
    }
    if (holder != null) {
      holder.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    for (TestCgroup cg : new TestCgroup[] {unlimited, limited}) {
      if (cg != null) {
        cg.close();
      }
    }
  }

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Sidecar s : sidecars) {
      s.stop().await(20, TimeUnit.SECONDS);
    }
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  private Sidecar sidecar(Map<String, String> settings, LongSupplier appPid) throws Exception {
    Map<String, String> o = new HashMap<>(Map.of("memory.enabled", "true", "memory.poll.interval", "100ms",
        "upstream.health.path", "/health"));
    o.putAll(settings);
    Sidecar s = Vigils.start(vertx, gunicorn.url("").toString(), o, appPid);
    sidecars.add(s);
    return s;
  }

  private JsonObject get(Sidecar s, String path) throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.proxyPort() + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    return new JsonObject(r.body());
  }

  /** {@code /sidecar/memory} once {@code until} holds, within 15 s. */
  private JsonObject memoryWhen(Sidecar s, Predicate<JsonObject> until) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    JsonObject m;
    do {
      m = get(s, "/sidecar/memory");
      if (until.test(m)) {
        return m;
      }
      Thread.sleep(50);
    } while (System.nanoTime() < end);
    throw new AssertionError("/sidecar/memory did not get there within 15 s: " + m.encodePrettily());
  }

  private static boolean sampled(JsonObject m) {
    return m.getJsonArray("samples").size() > 0;
  }

  private static void within10Percent(String what, double expected, double actual) {
    assertTrue(Math.abs(actual - expected) <= expected / 10, what + ": Vigil says " + actual + ", /proc says " + expected);
  }

  // ---- process ----

  @Test
  void processSourceInRunModeSumsTheGunicornTreeLikeProc() throws Exception {
    Sidecar s = sidecar(Map.of("memory.source", "process"), gunicorn::pid);
    JsonObject m = memoryWhen(s, MemorySourceSidecarTest::sampled);
    long[] proc = gunicorn.procSums();

    assertEquals("process", m.getString("source"));
    assertEquals("process:pss", m.getString("format"), "PSS: the workers share the master's pages");
    within10Percent("the tree's PSS", proc[1] / MIB, m.getDouble("rss_mib"));
    JsonArray ps = m.getJsonArray("processes");
    assertEquals(3, ps.size(), "master + 2 workers: " + ps);
    assertEquals(3, m.getInteger("processes_total"));
    assertFalse(m.getBoolean("processes_truncated"));
    assertEquals(ProcessMemorySource.MAX_LISTED, m.getInteger("processes_listed_max"));
    assertEquals(gunicorn.pid(), ps.getJsonObject(0).getLong("pid"), "root first");
    assertTrue(ps.getJsonObject(0).getString("command").contains("gunicorn"), ps.encode());
    assertEquals(new HashSet<>(gunicorn.pids()), new HashSet<>(ps.stream().map(p -> ((JsonObject) p).getLong("pid")).toList()));
    double rssSum = ps.stream().mapToDouble(p -> ((JsonObject) p).getDouble("rss_mib")).sum();
    within10Percent("the sum of the processes' RSS", proc[0] / MIB, rssSum);
    assertNull(m.getDouble("limit_mib"), "the app's cgroup has no limit and memory.limit is unset");

    JsonObject health = get(s, "/sidecar/health").getJsonObject("memory");
    assertEquals("process", health.getString("source"));
    assertEquals(m.getDouble("rss_mib"), health.getDouble("rss_mib"), 0.5);
  }

  @Test
  void autoInRunModeWithoutALimitChoosesProcess() throws Exception {
    Sidecar s = sidecar(Map.of(), gunicorn::pid);
    JsonObject m = memoryWhen(s, MemorySourceSidecarTest::sampled);
    assertEquals("process", m.getString("source"));
    assertEquals("auto", m.getString("source_setting"));
    assertTrue(m.getString("source_reason").contains("no memory limit"), m.getString("source_reason"));
    assertEquals(3, m.getJsonArray("processes").size());
    within10Percent("the tree's PSS", gunicorn.procSums()[1] / MIB, m.getDouble("rss_mib"));
  }

  @Test
  void processSourceWithoutRunFindsTheMasterByItsCommandLine() throws Exception {
    Sidecar s = sidecar(Map.of("memory.source", "process",
        "memory.process.match", "gunicorn.*" + Pattern.quote("127.0.0.1:" + gunicorn.port())), null);
    JsonObject m = memoryWhen(s, MemorySourceSidecarTest::sampled);
    assertEquals("process", m.getString("source"));
    assertEquals(gunicorn.pid(), m.getLong("root_pid"), "the master, not a worker");
    assertEquals(3, m.getJsonArray("processes").size());
    within10Percent("the tree's PSS", gunicorn.procSums()[1] / MIB, m.getDouble("rss_mib"));
  }

  @Test
  void aProcessSourceWithNothingToReadSaysWhyInIssues() throws Exception {
    Sidecar s = sidecar(Map.of("memory.source", "process"), () -> 0);
    JsonObject m = memoryWhen(s, j -> j.getJsonObject("poll").getString("last_error") != null);
    assertEquals("process memory: the app (vigil run) is not running", m.getJsonObject("poll").getString("last_error"));
    assertTrue(get(s, "/sidecar/health").getJsonArray("issues").contains("process memory: the app (vigil run) is not running"));
    assertEquals(0, m.getJsonArray("samples").size(), "never recorded as zero");
  }

  @Test
  void autoWithoutRunPollsTheHttpEndpoint() throws Exception {
    Sidecar s = sidecar(Map.of(), null);
    JsonObject m = memoryWhen(s, j -> j.getJsonObject("poll").getLong("failures_total") > 0);
    String url = gunicorn.url("/api/memory-status").toString();
    assertEquals(url, m.getString("source"), "http: the endpoint, as before");
    assertEquals(url, get(s, "/sidecar/health").getJsonObject("memory").getString("source"));
    assertFalse(m.containsKey("processes"));
    assertTrue(m.getJsonObject("poll").getString("last_error").contains("answered HTTP 404"), m.encode());
  }

  // ---- cgroup ----

  /** usage - total_inactive_file of the limited cgroup's own files, in MiB. */
  private static double workingSetFromFiles() throws Exception {
    long usage = Long.parseLong(Files.readString(limited.dir().resolve("memory.usage_in_bytes")).trim());
    long inactive = CgroupMemory.statValue(Files.readString(limited.dir().resolve("memory.stat")), "total_inactive_file", -1);
    return (usage - inactive) / MIB;
  }

  @Test
  void cgroupSourceInRunModeReadsTheAppsCgroupLikeItsFiles() throws Exception {
    Sidecar s = sidecar(Map.of("memory.source", "cgroup"), holder::pid);
    JsonObject m = memoryWhen(s, MemorySourceSidecarTest::sampled);
    double files = workingSetFromFiles();

    assertEquals("cgroup", m.getString("source"));
    assertEquals("cgroup v1:working_set", m.getString("format"));
    assertEquals(files, m.getDouble("rss_mib"), 1.0, "working set as the cgroup's files give it");
    assertTrue(m.getDouble("rss_mib") > 24, "the 24 MiB held are in the working set: " + m.getDouble("rss_mib"));
    assertEquals(96.0, m.getDouble("limit_mib"));
    assertEquals("cgroup", m.getString("limit_source"), "no memory.limit: the cgroup's");
    JsonObject cg = m.getJsonObject("cgroup");
    assertEquals(1, cg.getInteger("version"));
    assertEquals(limited.dir().toString(), cg.getString("dir"));
    assertEquals(0L, cg.getLong("oom_kills"));
    assertFalse(m.containsKey("processes"));
    JsonObject health = get(s, "/sidecar/health").getJsonObject("memory");
    assertEquals("cgroup", health.getString("source"));
    assertEquals(96.0, health.getDouble("limit_mib"));
  }

  @Test
  void autoInRunModeWithALimitChoosesCgroup() throws Exception {
    Sidecar s = sidecar(Map.of(), holder::pid);
    JsonObject m = memoryWhen(s, MemorySourceSidecarTest::sampled);
    assertEquals("cgroup", m.getString("source"));
    assertEquals("auto", m.getString("source_setting"));
    assertTrue(m.getString("source_reason").contains("memory limit of 96 MiB"), m.getString("source_reason"));
    assertEquals(workingSetFromFiles(), m.getDouble("rss_mib"), 1.0);
  }

  @Test
  void memoryLimitWinsOverTheCgroups() throws Exception {
    Sidecar s = sidecar(Map.of("memory.source", "cgroup", "memory.limit", "200MiB"), holder::pid);
    JsonObject m = memoryWhen(s, MemorySourceSidecarTest::sampled);
    assertEquals(200.0, m.getDouble("limit_mib"));
    assertEquals("config", m.getString("limit_source"));
    assertEquals(96.0, m.getJsonObject("cgroup").getDouble("limit_mib"), "the cgroup's own is still shown");
  }
}
