package dev.vigil;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The command line: help, version, and every way a bad setting stops start-up with exit code 2. */
class MainTest {

  record Run(int code, String out, String err) {
  }

  static Run run(Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code = Main.run(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  @Test
  void helpAndVersionExitZero() {
    Run help = run(Map.of(), "--help");
    assertEquals(0, help.code());
    assertTrue(help.out().contains("--upstream URL") && help.out().contains("demo"));
    Run version = run(Map.of(), "--version");
    assertEquals(0, version.code());
    assertTrue(version.out().startsWith("vigil "));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "proxy.maxBodySize=-5 | proxy.maxBodySize = \"-5\"",
      "proxy.maxBodySize=lots | expected a size",
      "metrics.requestBuffer=100000000 | metrics.requestBuffer = \"100000000\"",
      "metrics.requestBuffer=many | expected a whole number",
      "upstream.url=ftp://x | upstream.url = \"ftp://x\"",
      "upstream.url=http:// | upstream.url",
      "proxy.requestTimeout=soon | expected a duration like 500ms",
      "proxy.requestTimeout=-1s | proxy.requestTimeout",
      "memory.warnPercent=97 | memory.warnPercent",
      "keepalive.timezone=Mars/Olympus | keepalive.timezone",
      "keepalive.windows=25:00-26:00=10m | keepalive.windows[0]",
      "keepalive.windows=07:00-22:00=10m,21:00-23:00=5m | overlap",
      "keepalive.jitter=90% | keepalive.jitter",
      "ratelimit.rate=fast | ratelimit.rate",
      "ratelimit.key=cookie | ratelimit.key",
      "admin.token=short | admin.token",
      "admin.prefix=/sidecar | admin.prefix",
      "redis.url=http://x | redis.url",
      "upstream.rewriteHost=maybe | expected true or false",
      "memory.poll.rssUnit=parsecs | memory.poll.rssUnit",
      "memory.fooo=1 | memory.fooo: unknown key",
      "memory.source=disk | memory.source = \"disk\"",
      "memory.source=disk | expected one of auto, http, process, cgroup",
      "memory.process.match=gunicorn( | memory.process.match = \"gunicorn(\"",
      "memory.process.match=[a- | expected a regular expression",
      "app.restart.policy=sometimes | app.restart.policy",
      "app.restart.maxBackoff=100ms | app.restart.maxBackoff",
      "app.hold.maxRequests=-1 | app.hold.maxRequests",
      "app.hold.timeout=forever | app.hold.timeout",
      "app.port=0 | app.port",
      "app.port=8080 | a port different from listen.port",
      "app.stopTimeout=0s | app.stopTimeout",
      "memory.diagnostics.url=ftp://x | memory.diagnostics.url",
      "memory.diagnostics.timeout=1h | memory.diagnostics.timeout",
  })
  void badSettingExitsTwoWithALineNamingTheKey(String setting, String expected) {
    Run r = run(Map.of(), "--set", setting);
    assertEquals(2, r.code(), r.err());
    assertTrue(r.err().contains(expected), "stderr: " + r.err());
    assertTrue(r.err().lines().allMatch(l -> l.startsWith("vigil: ")), r.err());
  }

  @Test
  void theProcessSourceWithoutRunNeedsItsMatch() {
    Run r = run(Map.of("VIGIL_MEMORY_SOURCE", "process"));
    assertEquals(2, r.code(), r.err());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().startsWith("vigil: config error: memory.process.match: required when memory.source is process"),
        r.err());
  }

  @Test
  void unknownKeyInFileSuggestsTheNearestOne(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("vigil.yaml");
    Files.writeString(file, "upstream:\n  urll: http://127.0.0.1:9\n");
    Run r = run(Map.of(), "--config", file.toString());
    assertEquals(2, r.code());
    assertTrue(r.err().contains("upstream.urll: unknown key") && r.err().contains("did you mean upstream.url?"),
        r.err());
  }

  @Test
  void badYamlAndMissingFileExitTwo(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("broken.yaml");
    Files.writeString(file, "listen: [unclosed\n");
    assertEquals(2, run(Map.of(), "--config", file.toString()).code());
    Run missing = run(Map.of(), "--config", dir.resolve("nope.yaml").toString());
    assertEquals(2, missing.code());
    assertTrue(missing.err().contains("nope.yaml"));
  }

  @Test
  void environmentErrorsNameTheVariable() {
    Run r = run(Map.of("VIGIL_PROXY_MAXINFLIGHT", "0"));
    assertEquals(2, r.code());
    assertTrue(r.err().contains("proxy.maxInFlight") && r.err().contains("VIGIL_PROXY_MAXINFLIGHT"), r.err());
  }

  @Test
  void allProblemsAreReportedTogether() {
    Run r = run(Map.of(), "--set", "listen.port=70000", "--set", "proxy.maxHeaderSize=1");
    assertEquals(2, r.code());
    assertEquals(2, r.err().lines().count(), r.err());
  }

  @Test
  void runWithoutACommandExitsTwoWithOneLine() {
    for (String[] args : new String[][] {{"run"}, {"run", "--"}, {"run", "--set", "app.port=9000"}}) {
      Run r = run(Map.of(), args);
      assertEquals(2, r.code(), String.join(" ", args));
      assertEquals(1, r.err().lines().count(), r.err());
      assertTrue(r.err().startsWith("vigil: run: give the app's command after --"), r.err());
    }
  }

  @Test
  void aBadRunSettingExitsTwoBeforeTheAppStarts() {
    Run r = run(Map.of("VIGIL_APP_RESTART_POLICY", "often"), "run", "--", "true");
    assertEquals(2, r.code());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().contains("app.restart.policy") && r.err().contains("VIGIL_APP_RESTART_POLICY")
        && r.err().contains("always, on-failure or never"), r.err());
  }

  @Test
  void runTakesEverythingAfterTheDoubleDashAsTheCommand() {
    Cli cli = Cli.parse(new String[] {"run", "--set", "app.port=9000", "--", "gunicorn", "--port", "{port}", "--"});
    assertEquals(java.util.List.of("gunicorn", "--port", "{port}", "--"), cli.runCommand());
    assertEquals("9000", cli.overrides().get("app.port"));
    Cli demo = Cli.parse(new String[] {"demo", "--run"});
    assertTrue(demo.demo());
    assertEquals(dev.vigil.demo.DemoChild.class.getName(), demo.runCommand().get(demo.runCommand().size() - 1));
    assertEquals(null, Cli.parse(new String[] {"demo"}).runCommand());
    assertEquals(2, run(Map.of(), "--run").code());
    assertEquals(2, run(Map.of(), "--port", "1", "run", "--", "x").code());
  }

  @Test
  void badCommandLineExitsTwo() {
    assertEquals(2, run(Map.of(), "--nope").code());
    assertEquals(2, run(Map.of(), "--port").code());
    assertEquals(2, run(Map.of(), "--set", "novalue").code());
  }
}
