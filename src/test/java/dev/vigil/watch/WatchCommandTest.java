package dev.vigil.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code vigil watch} against real apps on loopback, polled every 50 ms. */
class WatchCommandTest {

  record Run(int code, String out, String err) {
  }

  static Run watch(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = WatchCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8), false);
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** The live lines of samples: {@code HH:mm:ss  host:port/path  rss ...}. */
  static List<String> sampleLines(String out) {
    return out.lines().filter(l -> l.matches("\\d\\d:\\d\\d:\\d\\d  \\S+  rss .*")).toList();
  }

  private static double summarySlope(String out) {
    Matcher m = Pattern.compile("slope\\s+([+-][0-9.]+) MiB/h").matcher(out);
    assertTrue(m.find(), out);
    return Double.parseDouble(m.group(1));
  }

  @Test
  void leakingAppGivesTheLeakRateEveryLineInTheFileAndExitOneWithFailOnLeak(@TempDir Path dir) throws Exception {
    double leakPerSecond = 2.0; // 7200 MiB/h
    try (LeakyApp app = new LeakyApp(leakPerSecond, 0, 0)) {
      Path file = dir.resolve("samples.jsonl");
      // Class loading and JIT make the first answers of a fresh JVM late, which skews a short fit.
      watch(app.base(), "--interval", "50ms", "--duration", "300ms");
      Run r = watch(app.base(), "--interval", "50ms", "--duration", "4s", "--out", file.toString(), "--fail-on-leak");
      assertEquals(WatchCommand.EXIT_LEAK, r.code(), r.out() + r.err());
      double slope = summarySlope(r.out());
      assertEquals(leakPerSecond * 3600, slope, leakPerSecond * 3600 * 0.10, r.out());
      assertTrue(r.out().contains("leak      suspected"), r.out());

      long liveLines = sampleLines(r.out()).size();
      List<String> lines = Files.readAllLines(file);
      assertTrue(lines.size() >= 20, "up to 60 rounds in 3 s, got " + lines.size());
      assertEquals(liveLines, lines.size(), r.out().lines().filter(l -> !l.matches("\\d\\d:\\d\\d:\\d\\d  \\S+  rss .*")).toList().toString());
      Matcher samples = Pattern.compile("samples\\s+(\\d+) \\(0 failed polls\\)").matcher(r.out());
      assertTrue(samples.find(), r.out());
      assertEquals(Long.parseLong(samples.group(1)), lines.size());
      JsonObject last = new JsonObject(lines.get(lines.size() - 1));
      assertEquals(app.base() + "/api/memory-status", last.getString("url"));
      assertTrue(last.getBoolean("leak_suspected"));
      assertTrue(last.getDouble("rss_mib") > LeakyApp.BASE_MIB);
      assertEquals(LeakyApp.TOTAL_MIB, last.getDouble("limit_mib"));
      for (String l : lines) {
        JsonObject j = new JsonObject(l);
        assertTrue(j.getDouble("rss_mib") >= LeakyApp.BASE_MIB, l);
      }
    }
  }

  @Test
  void sawtoothWithAFlatFloorIsNoLeakAndExitsZeroWithCsv(@TempDir Path dir) throws Exception {
    try (LeakyApp app = new LeakyApp(0, 40, 8)) {
      Path file = dir.resolve("samples.csv");
      Run r = watch(app.base() + "/", "--interval=50ms", "--duration=2s", "--out=" + file, "--fail-on-leak");
      assertEquals(WatchCommand.EXIT_OK, r.code(), r.out() + r.err());
      assertTrue(r.out().contains("leak      not suspected"), r.out());
      List<String> lines = Files.readAllLines(file);
      assertEquals(String.join(",", SampleFile.COLUMNS), lines.get(0));
      long live = sampleLines(r.out()).size();
      assertEquals(live, lines.size() - 1);
      for (String row : lines.subList(1, lines.size())) {
        String[] f = row.split(",", -1);
        assertEquals(SampleFile.COLUMNS.length, f.length, row);
        double rss = Double.parseDouble(f[2]);
        assertTrue(rss >= LeakyApp.BASE_MIB && rss <= LeakyApp.BASE_MIB + 40.001, row);
        assertEquals("false", f[8], row);
      }
    }
  }

  @Test
  void anUnreachableAppIsOneLinePerFailedPollAndTheOthersGoOn(@TempDir Path dir) throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    try (LeakyApp app = new LeakyApp(1.0, 0, 0)) {
      Path file = dir.resolve("samples.jsonl");
      String dead = "http://127.0.0.1:" + closed + "/metrics";
      Run r = watch(dead, app.base(), "--interval", "50ms", "--duration", "1500ms", "--out", file.toString());
      assertEquals(WatchCommand.EXIT_OK, r.code(), r.out() + r.err());
      List<String> errors = r.out().lines().filter(l -> l.contains("error: ")).toList();
      List<String> samples = sampleLines(r.out());
      assertTrue(samples.size() >= 8, r.out());
      assertEquals(samples.size(), errors.size(), "one error line per round: " + r.out());
      assertTrue(errors.stream().allMatch(l -> l.contains("127.0.0.1:" + closed + "/metrics")
          && l.contains("unreachable")), errors.get(0));
      assertTrue(r.out().contains("(" + errors.size() + " failed polls)"), r.out());
      long fileErrors = Files.readAllLines(file).stream().map(JsonObject::new)
          .filter(j -> j.getString("error") != null).count();
      assertEquals(errors.size(), fileErrors);
    }
  }

  @Test
  void withoutFailOnLeakALeakStillExitsZero() throws Exception {
    try (LeakyApp app = new LeakyApp(3.0, 0, 0)) {
      Run r = watch(app.base(), "--interval", "50ms", "--duration", "2s");
      assertEquals(WatchCommand.EXIT_OK, r.code(), r.out());
      assertTrue(r.out().contains("leak      suspected"), r.out());
    }
  }

  @Test
  void stopEndsTheWatchWithTheSummary() throws Exception {
    // What Ctrl+C does: the round in progress ends and the summary is printed.
    try (LeakyApp app = new LeakyApp(1.0, 0, 0)) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      WatchOptions opts = WatchOptions.parse(new String[] {app.base(), "--interval", "50ms"});
      var cmd = new java.util.concurrent.atomic.AtomicReference<Integer>();
      Thread t = new Thread(() -> cmd.set(WatchCommand.run(new String[] {app.base(), "--interval", "50ms"},
          new PrintStream(out, true, StandardCharsets.UTF_8), System.err, true)));
      t.start();
      long deadline = System.nanoTime() + 10_000_000_000L;
      while (sampleLines(out.toString(StandardCharsets.UTF_8)).size() < 5) {
        assertTrue(System.nanoTime() < deadline, "no samples: " + out);
        Thread.onSpinWait();
      }
      sun.misc.Signal.raise(new sun.misc.Signal("INT"));
      t.join(5_000);
      assertFalse(t.isAlive(), "the watch did not end on SIGINT");
      assertEquals(0, cmd.get());
      assertTrue(out.toString(StandardCharsets.UTF_8).contains("summary " + opts.urls().get(0)), out.toString());
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "none | needs at least one URL",
      "ftp://x | not an http(s) URL",
      "http://127.0.0.1:1 --interval soon | --interval \"soon\" is not a duration",
      "http://127.0.0.1:1 --interval 1ms | too short",
      "http://127.0.0.1:1 --out samples.txt | must end in .jsonl",
      "http://127.0.0.1:1 --duration | --duration needs a value",
      "http://127.0.0.1:1 --fast | unknown option",
  })
  void badArgumentsExitTwoWithOneLine(String args, String expected) {
    Run r = watch(args.equals("none") ? new String[0] : args.split(" "));
    assertEquals(WatchCommand.EXIT_USAGE, r.code());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("vigil: watch: ") && r.err().contains(expected), r.err());
  }

  @Test
  void aBaseUrlIsReadAtTheDefaultMemoryPath() {
    assertEquals("http://h:1/api/memory-status", WatchOptions.url("http://h:1").toString());
    assertEquals("http://h:1/api/memory-status", WatchOptions.url("http://h:1/").toString());
    assertEquals("https://h/metrics", WatchOptions.url("https://h/metrics").toString());
  }
}
