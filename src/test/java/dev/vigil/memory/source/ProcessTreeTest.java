package dev.vigil.memory.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.app.Ports;
import dev.vigil.memory.MemoryReading;
import dev.vigil.memory.MemorySourceException;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The process source on a real gunicorn master with two workers serving a tiny Flask app. */
class ProcessTreeTest {

  static Process gunicorn;
  static int port;
  static String marker;

  @BeforeAll
  static void startGunicorn() throws Exception {
    Path dir = Path.of(ProcessTreeTest.class.getResource("/app/flask_app.py").toURI()).getParent();
    port = Ports.freeLoopbackPort();
    marker = "flask_app:app";
    // --preload: the master imports the app and forks, so the workers share its pages (what PSS is for).
    gunicorn = new ProcessBuilder("/usr/bin/gunicorn", "--preload", "-w", "2", "-b", "127.0.0.1:" + port,
        "--chdir", dir.toString(), marker).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    HttpClient http = HttpClient.newHttpClient();
    while (true) {
      try {
        if (gunicorn.children().count() == 2 && http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + port + "/health")).timeout(Duration.ofSeconds(2)).build(),
            HttpResponse.BodyHandlers.ofString()).statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException notYet) {
        // not listening yet
      }
      if (System.nanoTime() > end) {
        throw new AssertionError("gunicorn did not start two workers within 30 s");
      }
      Thread.sleep(50);
    }
  }

  @AfterAll
  static void stopGunicorn() throws Exception {
    gunicorn.destroy();
    if (!gunicorn.waitFor(10, TimeUnit.SECONDS)) {
      gunicorn.destroyForcibly();
    }
  }

  /** What /proc says, summed independently: VmRSS and smaps_rollup Pss of the master and its children. */
  static long[] procSums() throws Exception {
    List<Long> pids = new ArrayList<>();
    pids.add(gunicorn.pid());
    gunicorn.descendants().forEach(h -> pids.add(h.pid()));
    long rss = 0;
    long pss = 0;
    for (long pid : pids) {
      rss += kb(Files.readString(Path.of("/proc/" + pid + "/status")), "VmRSS:");
      pss += kb(Files.readString(Path.of("/proc/" + pid + "/smaps_rollup")), "Pss:");
    }
    return new long[] {rss * 1024, pss * 1024, pids.size()};
  }

  static long kb(String text, String key) {
    for (String line : text.split("\n")) {
      if (line.startsWith(key)) {
        return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
      }
    }
    throw new AssertionError("no " + key);
  }

  static void within10Percent(String what, long expected, long actual) {
    assertTrue(Math.abs(actual - expected) <= expected / 10,
        what + ": read " + actual + " bytes, /proc says " + expected);
  }

  @Test
  void sumsTheMasterAndItsWorkersLikeProc() throws Exception {
    ProcessTreeReading r = new ProcessTree(ProcessTree.DEFAULT_MAX_PROCESSES).read(gunicorn.pid());
    long[] proc = procSums();
    assertEquals(3, r.processes().size(), "master + 2 workers: " + r.processes());
    assertEquals(proc[2], r.processes().size());
    assertEquals(gunicorn.pid(), r.processes().get(0).pid(), "root first");
    r.processes().subList(1, 3).forEach(w -> assertEquals(gunicorn.pid(), w.ppid()));
    assertTrue(r.processes().get(0).command().contains("gunicorn"), r.processes().get(0).command());
    within10Percent("RSS", proc[0], r.rssBytes());
    assertNotNull(r.pssBytes(), "smaps_rollup is readable as root");
    within10Percent("PSS", proc[1], r.pssBytes());
    assertEquals("pss", r.measure());
    assertTrue(r.pssBytes() < r.rssBytes(), "forked workers share pages: PSS " + r.pssBytes() + " < RSS " + r.rssBytes());
    assertFalse(r.truncated());
  }

  @Test
  void theBoundCutsTheTree() throws Exception {
    ProcessTreeReading r = new ProcessTree(2).read(gunicorn.pid());
    assertEquals(2, r.processes().size());
    assertTrue(r.truncated());
  }

  @Test
  void findsTheMasterByItsCommandLineNotAWorker() throws Exception {
    Optional<Long> root = new ProcessTree(64).findRoot(Pattern.compile("gunicorn.*" + Pattern.quote("127.0.0.1:" + port)));
    assertEquals(Optional.of(gunicorn.pid()), root);
    assertTrue(new ProcessTree(64).findRoot(Pattern.compile("no-such-program-" + port)).isEmpty());
  }

  @Test
  void aGoneRootIsReported() {
    assertThrows(NoSuchFileException.class, () -> new ProcessTree(8).read(Integer.MAX_VALUE - 1L));
  }

  @Test
  void theSourceReadsOffTheEventLoopInMiB() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      ProcessMemorySource src = ProcessMemorySource.matching(vertx, new ProcessTree(64),
          Pattern.compile("gunicorn.*" + Pattern.quote("127.0.0.1:" + port)), null);
      MemoryReading m = src.read().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      long[] proc = procSums();
      within10Percent("source PSS", proc[1], (long) (m.rssMiB() * (1 << 20)));
      assertEquals("process:pss", m.source());
      assertEquals(3, src.processes().size());
      assertEquals("process", src.name());

      ProcessMemorySource none = ProcessMemorySource.matching(vertx, new ProcessTree(64),
          Pattern.compile("no-such-program-" + port), null);
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> none.read().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS));
      assertTrue(e.getCause() instanceof MemorySourceException);
      assertTrue(e.getCause().getMessage().contains("memory.process.match"), e.getCause().getMessage());
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
