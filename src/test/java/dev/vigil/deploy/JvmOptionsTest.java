package dev.vigil.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Starts real JVMs with docker/jvm.options, the argument file the image's ENTRYPOINT uses, so
 * every flag that ships is one this Java version accepts and applies.
 */
class JvmOptionsTest {

  static final Path OPTIONS = Paths.get("docker", "jvm.options").toAbsolutePath();
  static final Path JAR = Paths.get("target", "vigil.jar").toAbsolutePath();
  static final String JAVA = Paths.get(System.getProperty("java.home"), "bin", "java").toString();
  static final int NON_ROOT_UID = 10001;

  @Test
  void everyFlagIsAcceptedByTheJvm() throws Exception {
    Run run = java(List.of("@" + OPTIONS, "-version"), null, Map.of());
    assertEquals(0, run.exitCode(), () -> "java @jvm.options -version failed:\n" + run.output());
    assertFalse(run.output().contains("Unrecognized") || run.output().contains("warning"), run.output());
  }

  @Test
  void flagsTakeEffectAndHeapFollowsTheContainerLimit() throws Exception {
    // MaxRAM stands in for the container memory limit the JVM reads from the cgroup.
    Run run = java(List.of("@" + OPTIONS, "-XX:MaxRAM=256m", "-XX:+PrintFlagsFinal", "-version"), null, Map.of());
    assertEquals(0, run.exitCode(), run::output);
    Map<String, String> flags = finalFlags(run.output());
    assertEquals("true", flags.get("UseSerialGC"));
    assertEquals("false", flags.get("UsePerfData"), "no hsperfdata file on a read-only root");
    assertEquals(String.valueOf(128L << 20), flags.get("MaxHeapSize"), "MaxRAMPercentage=50 of 256 MiB");
    assertEquals("512", flags.get("ThreadStackSize"), "-Xss512k");
    assertEquals(String.valueOf(20L << 20), flags.get("NewSize"), "-Xmn20m");
    assertEquals(String.valueOf(20L << 20), flags.get("MaxNewSize"), "-Xmn20m");
    for (String option : options()) {
      Matcher xx = Pattern.compile("^-XX:[+-]?(\\w+)").matcher(option);
      if (xx.find()) {
        assertTrue(Pattern.compile("(?m)^\\s*\\S+\\s+" + xx.group(1) + "\\s+=[^\\n]*\\{command line\\}")
                .matcher(run.output()).find(),
            () -> option + " is not applied from the command line");
      }
    }
  }

  @Test
  void scratchFilesGoToTmpOnly() throws IOException {
    List<String> options = options();
    assertTrue(options.contains("-Djava.io.tmpdir=/tmp"));
    assertTrue(options.contains("-XX:-UsePerfData"));
    assertEquals(options.size(), options.stream().distinct().count(), "no flag twice: " + options);
    for (String option : options) {
      if (option.contains("=/")) {
        assertTrue(option.substring(option.indexOf("=/") + 1).startsWith("/tmp"), "writes outside /tmp: " + option);
      }
    }
  }

  @Test
  void jarStartsFromAReadOnlyDirectoryAsNonRoot() throws Exception {
    assumeTrue(Files.isRegularFile(JAR),
        "target/vigil.jar does not exist yet: run `mvn -B package` (the integrator's build produces it)");
    Path readOnly = Files.createTempDirectory("vigil-ro");
    try {
      // Everything the JVM needs lives inside the read-only directory, so the non-root user
      // needs no access to the build tree.
      Path jar = Files.copy(JAR, readOnly.resolve("vigil.jar"));
      Path options = Files.copy(OPTIONS, readOnly.resolve("jvm.options"));
      Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("r--r--r--"));
      Files.setPosixFilePermissions(options, PosixFilePermissions.fromString("r--r--r--"));
      Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("r-xr-xr-x"));

      List<String> prefix = new ArrayList<>();
      boolean root = isRoot();
      if (root && Files.isExecutable(Paths.get("/usr/bin/setpriv"))) {
        // root ignores file modes; as uid 10001 the directory is truly read-only.
        prefix.addAll(List.of("/usr/bin/setpriv", "--reuid=" + NON_ROOT_UID, "--regid=" + NON_ROOT_UID,
            "--clear-groups"));
      }
      List<String> args = List.of("@" + options, "-jar", jar.toString(), "--version");
      Run run = java(args, readOnly, Map.of("HOME", readOnly.toString()), prefix);
      assertEquals(0, run.exitCode(), () -> "vigil --version from a read-only directory:\n" + run.output());
      assertFalse(run.output().contains("Exception"), run.output());
      try (Stream<Path> left = Files.list(readOnly)) {
        assertEquals(List.of("jvm.options", "vigil.jar"),
            left.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()),
            "nothing written to the working directory");
      }
      assumeTrue(!root || !prefix.isEmpty(), "ran as root without setpriv: read-only not enforced");
    } finally {
      Files.setPosixFilePermissions(readOnly, PosixFilePermissions.fromString("rwx------"));
      try (Stream<Path> walk = Files.walk(readOnly)) {
        for (Path path : walk.sorted(Comparator.reverseOrder()).collect(Collectors.toList())) {
          Files.deleteIfExists(path);
        }
      }
    }
  }

  /** The flags in docker/jvm.options, without comments and blank lines. */
  static List<String> options() throws IOException {
    return Files.readAllLines(OPTIONS, StandardCharsets.UTF_8).stream()
        .map(String::trim)
        .filter(line -> !line.isEmpty() && !line.startsWith("#"))
        .collect(Collectors.toList());
  }

  private static Map<String, String> finalFlags(String printFlagsFinal) {
    Map<String, String> flags = new HashMap<>();
    Matcher line = Pattern.compile("(?m)^\\s*\\S+\\s+(\\w+)\\s+=\\s+(\\S*)").matcher(printFlagsFinal);
    while (line.find()) {
      flags.put(line.group(1), line.group(2));
    }
    return flags;
  }

  private static boolean isRoot() throws Exception {
    Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
    String uid = new String(id.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    return id.waitFor() == 0 && uid.equals("0");
  }

  record Run(int exitCode, String output) {}

  private static Run java(List<String> args, Path workDir, Map<String, String> env) throws Exception {
    return java(args, workDir, env, List.of());
  }

  private static Run java(List<String> args, Path workDir, Map<String, String> env, List<String> prefix)
      throws Exception {
    List<String> command = new ArrayList<>(prefix);
    command.add(JAVA);
    command.addAll(args);
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    if (workDir != null) {
      builder.directory(workDir.toFile());
    }
    builder.environment().putAll(env);
    // Only the argument file may set flags: drop any inherited from the test JVM's environment.
    builder.environment().remove("JAVA_TOOL_OPTIONS");
    builder.environment().remove("JDK_JAVA_OPTIONS");
    // Output to a file, so a JVM that never exits cannot block the read; the wait is bounded.
    Path log = Files.createTempFile("vigil-jvm", ".log");
    try {
      Process process = builder.redirectOutput(log.toFile()).start();
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new AssertionError("java did not exit within 60 s: " + command);
      }
      return new Run(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(log);
    }
  }
}
