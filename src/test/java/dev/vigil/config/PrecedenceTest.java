package dev.vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Defaults < file < environment < command line, and the units everywhere. */
class PrecedenceTest {

  @Test
  void eachLayerOverridesTheOneBefore(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("vigil.yaml");
    Files.writeString(file, "upstream:\n  url: http://file:1\nproxy:\n  maxBodySize: 1MiB\n  requestTimeout: 5s\n");
    List<String> warnings = new ArrayList<>();
    VigilConfig c = ConfigLoader.load(file,
        Map.of("VIGIL_PROXY_MAXBODYSIZE", "2MiB", "VIGIL_PROXY_REQUESTTIMEOUT", "7s", "VIGIL_SERVICE_HOST", "10.0.0.1",
            "PATH", "/bin"),
        Map.of("proxy.requestTimeout", "9s"), warnings::add);
    assertEquals("http://file:1", c.upstream().url().toString(), "file over default");
    assertEquals(2L << 20, c.proxy().maxBodySize(), "environment over file");
    assertEquals(Duration.ofSeconds(9), c.proxy().requestTimeout(), "command line over environment");
    assertEquals(List.of("ignoring environment variable VIGIL_SERVICE_HOST: not a Vigil setting"), warnings);
  }

  @Test
  void derivedDefaultsFollowTheUpstream() {
    VigilConfig c = ConfigLoader.load(null, Map.of(), Map.of("upstream.url", "http://app:9000/base/"), w -> { });
    assertEquals("http://app:9000/base/api/memory-status", c.memory().watch().pollUrl().toString());
    assertEquals("http://app:9000/base/api/health", c.keepalive().target().toString());
    assertEquals("/base", c.upstream().basePath());
  }

  @Test
  void unitsParse() {
    assertEquals(Duration.ofMillis(500), Units.parseDuration("500ms"));
    assertEquals(Duration.ofSeconds(5), Units.parseDuration("5s"));
    assertEquals(Duration.ofMinutes(10), Units.parseDuration("10m"));
    assertEquals(Duration.ofHours(1), Units.parseDuration("1h"));
    assertEquals(Duration.ofMinutes(90), Units.parseDuration("1h30m"));
    assertEquals(16 * 1024, Units.parseSize("16KiB"));
    assertEquals(10L << 20, Units.parseSize("10MiB"));
    assertEquals(512, Units.parseSize("512"));
    assertEquals(0.1, Units.parseFraction("10%"), 1e-9);
    assertTrue(Units.formatDuration(Duration.ofMinutes(30)).equals("30m"));
  }
}
