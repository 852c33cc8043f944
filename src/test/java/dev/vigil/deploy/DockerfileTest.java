package dev.vigil.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.deploy.Dockerfile.Instruction;
import dev.vigil.deploy.Dockerfile.Stage;
import java.io.IOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** Structural checks of docker/Dockerfile; no Docker engine needed. */
class DockerfileTest {

  static final Path DOCKERFILE = Paths.get("docker", "Dockerfile");
  static final String JVM_OPTIONS_IN_IMAGE = "/opt/vigil/jvm.options";

  static Dockerfile dockerfile;

  @BeforeAll
  static void parse() throws IOException {
    dockerfile = Dockerfile.parse(DOCKERFILE);
  }

  @Test
  void buildsWithMavenAndShipsOnASmallJre() {
    List<Stage> stages = dockerfile.stages();
    assertEquals(2, stages.size(), "multi-stage: build + runtime");
    Stage build = stages.get(0);
    assertTrue(build.from().startsWith("maven:3.9-eclipse-temurin-17"), build.from());
    assertTrue(build.all("RUN").stream().anyMatch(r -> r.arguments().contains("mvn -B -DskipTests package")));
    Stage runtime = dockerfile.runtime();
    assertTrue(runtime.from().matches("eclipse-temurin:17-jre-.+"), "runtime is a JRE image: " + runtime.from());
    assertTrue(runtime.all("COPY").stream().anyMatch(c -> c.arguments().contains("--from=" + build.name())));
  }

  @Test
  void copiesOnlyWhatTheBuildNeeds() {
    // No .dockerignore at the top level: never send or bake the whole context.
    Set<String> allowed = Set.of("pom.xml", "src", "config", "docker/jvm.options");
    for (Stage stage : dockerfile.stages()) {
      for (Instruction copy : stage.all("COPY")) {
        if (copy.arguments().contains("--from=")) {
          continue;
        }
        List<String> words = List.of(copy.arguments().split("\\s+")).stream()
            .filter(w -> !w.startsWith("--")).collect(Collectors.toList());
        for (String source : words.subList(0, words.size() - 1)) {
          String normalized = source.replaceAll("^\\./", "").replaceAll("/$", "");
          assertTrue(allowed.contains(normalized), "COPY of " + source + " in " + copy);
        }
      }
      assertTrue(stage.all("ADD").isEmpty(), "ADD fetches or unpacks implicitly; use COPY");
    }
  }

  @Test
  void runsAsAFixedNumericNonRootUser() {
    Instruction user = dockerfile.runtime().last("USER").orElseThrow(() -> new AssertionError("no USER"));
    Matcher uid = Pattern.compile("^(\\d+)(?::(\\d+))?$").matcher(user.arguments().trim());
    assertTrue(uid.matches(), "USER must be numeric so runAsNonRoot can verify it: " + user.arguments());
    assertEquals("10001", uid.group(1));
    List<Instruction> runtime = dockerfile.runtime().instructions();
    int userAt = runtime.indexOf(user);
    assertTrue(runtime.subList(userAt, runtime.size()).stream().noneMatch(i -> i.keyword().equals("RUN")),
        "nothing runs as root after USER");
  }

  @Test
  void healthCheckCallsLiveness() {
    Instruction healthcheck = dockerfile.runtime().last("HEALTHCHECK")
        .orElseThrow(() -> new AssertionError("no HEALTHCHECK"));
    assertTrue(healthcheck.arguments().contains("/sidecar/health/live"), healthcheck.arguments());
    assertTrue(healthcheck.arguments().contains("--timeout="), "a bounded check");
    assertTrue(healthcheck.arguments().contains("curl"), "curl ships with the temurin jammy image");
  }

  @Test
  void hasOciLabelsAndExposesTheProxyPort() {
    String labels = dockerfile.runtime().all("LABEL").stream().map(Instruction::arguments)
        .collect(Collectors.joining(" "));
    for (String key : List.of("title", "description", "version", "revision", "created", "source", "licenses")) {
      assertTrue(labels.contains("org.opencontainers.image." + key + "="), "missing OCI label " + key);
    }
    assertTrue(dockerfile.runtime().all("EXPOSE").stream().anyMatch(e -> e.arguments().trim().equals("8080")));
  }

  @Test
  @SuppressWarnings("unchecked")
  void entrypointUsesTheSharedJvmOptions() {
    Instruction entrypoint = dockerfile.runtime().last("ENTRYPOINT")
        .orElseThrow(() -> new AssertionError("no ENTRYPOINT"));
    assertTrue(entrypoint.arguments().trim().startsWith("["), "exec form keeps java as PID 1 for SIGTERM");
    List<String> command = (List<String>) new Yaml().load(entrypoint.arguments());
    assertEquals("java", command.get(0));
    assertEquals("@" + JVM_OPTIONS_IN_IMAGE, command.get(1), "flags come from docker/jvm.options only");
    // The class-data-sharing archive recorded at build time by the same JVM (start-up under 1 s).
    assertEquals(List.of("-XX:SharedArchiveFile=/opt/vigil/vigil.jsa", "-jar", "/opt/vigil/vigil.jar"),
        command.subList(2, 5));
    assertTrue(dockerfile.runtime().all("RUN").stream().anyMatch(r -> r.arguments().contains(
        "-XX:ArchiveClassesAtExit=/opt/vigil/vigil.jsa") && r.arguments().contains("vigil.jar warmup")),
        "the archive is recorded in the runtime stage, so it matches the runtime JVM");
    assertTrue(dockerfile.runtime().all("COPY").stream()
        .anyMatch(c -> c.arguments().matches(".*docker/jvm\\.options\\s+" + JVM_OPTIONS_IN_IMAGE)));
    assertFalse(dockerfile.runtime().all("ENV").stream().anyMatch(e -> e.arguments().contains("JAVA_TOOL_OPTIONS")
        || e.arguments().contains("JDK_JAVA_OPTIONS")), "no second place for JVM flags");
  }
}
