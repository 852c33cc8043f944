package dev.vigil.deploy;

import static dev.vigil.deploy.Manifests.at;
import static dev.vigil.deploy.Manifests.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** docker/compose.yaml: the app is reachable only through Vigil, which runs read-only. */
class ComposeFileTest {

  static final Path COMPOSE = Paths.get("docker", "compose.yaml");

  static Map<String, Object> services;
  static Map<String, Object> networks;

  @BeforeAll
  static void load() throws IOException {
    try (InputStream in = Files.newInputStream(COMPOSE)) {
      Map<String, Object> compose = new Yaml().load(in);
      services = at(compose, "services");
      networks = at(compose, "networks");
    }
  }

  @Test
  void appIsReachableOnlyThroughVigil() {
    for (String hidden : List.of("app", "redis")) {
      assertNull(value(services, hidden, "ports"), hidden + " publishes no port");
      List<String> joined = at(services, hidden, "networks");
      for (String network : joined) {
        assertEquals(true, value(networks, network, "internal"), hidden + " joins only internal networks");
      }
    }
    List<String> published = at(services, "vigil", "ports");
    assertEquals(List.of("8080:8080"), published);
  }

  @Test
  void vigilRunsReadOnlyAndIsConfiguredByEnvironment() {
    Map<String, Object> vigil = at(services, "vigil");
    assertEquals(true, vigil.get("read_only"));
    List<String> tmpfs = at(vigil, "tmpfs");
    assertTrue(tmpfs.stream().anyMatch(t -> t.startsWith("/tmp")), "tmpfs on /tmp");
    Map<String, Object> env = at(vigil, "environment");
    assertTrue(env.keySet().stream().allMatch(k -> k.startsWith("VIGIL_")), env::toString);
    assertEquals("http://app:8000", env.get("VIGIL_UPSTREAM_URL"));
    assertEquals("redis://redis:6379", env.get("VIGIL_REDIS_URL"));
    assertTrue(String.valueOf(value(vigil, "healthcheck", "test")).contains("/sidecar/health/live"));
    assertEquals("docker/Dockerfile", value(vigil, "build", "dockerfile"));
  }

  @Test
  void yamllintIsClean() throws Exception {
    Path yamllint = Paths.get("/usr/bin/yamllint");
    assumeTrue(Files.isExecutable(yamllint), "yamllint is not installed");
    Process process = new ProcessBuilder(yamllint.toString(), "--strict", COMPOSE.toString())
        .redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(30, TimeUnit.SECONDS), "yamllint timed out");
    assertEquals(0, process.exitValue(), output);
  }
}
