package dev.vigil.launch;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import sun.misc.Signal;

/**
 * Gives a bare {@code java -jar vigil.jar} the memory flags the image ships. Started without any
 * heap setting, the JVM sizes its heap at a quarter of the host (6 GiB on a 24 GiB machine) and a
 * three-minute soak grew the sidecar past 450 MiB RSS. So, like Elasticsearch's launcher, Main
 * starts a second JVM with {@code docker/jvm.options} (packed into the jar at build time) and a
 * heap sized for a 256 MiB container, and this first JVM only waits for it: stdio is inherited,
 * SIGTERM and SIGINT are passed on, and its exit code is the child's.
 *
 * <p>Nothing is relaunched when the command line already sets the heap ({@code -Xmx},
 * {@code -XX:MaxRAM*}, {@code -XX:MaxHeapSize}, as the image and {@code @docker/jvm.options} do),
 * when {@code VIGIL_RELAUNCH=false}, for {@code --help}/{@code --version}, or when this JVM is PID 1
 * (a container's init must reap orphans, which a waiting JVM cannot; there the JVM already sizes
 * its heap from the container's limit).
 */
public final class Relaunch {

  /** Set on the child: the pid of the launcher that waits for it. */
  static final String PARENT_PROPERTY = "vigil.launcher.pid";
  static final String OPTIONS_RESOURCE = "jvm.options";
  /** The memory the child's heap is sized against when the host (or container) has more. */
  static final long MAX_RAM = 256L << 20;
  private static final Set<String> NO_SERVER = Set.of("--help", "-h", "--version");

  private Relaunch() {
  }

  /** True when this JVM should start a child with Vigil's flags instead of running Vigil itself. */
  public static boolean wanted(String[] args) {
    if (System.getProperty(PARENT_PROPERTY) != null || ProcessHandle.current().pid() == 1
        || "false".equalsIgnoreCase(System.getenv("VIGIL_RELAUNCH"))) {
      return false;
    }
    for (String a : args) {
      if (NO_SERVER.contains(a)) {
        return false;
      }
    }
    return !setsHeap(ManagementFactory.getRuntimeMXBean().getInputArguments());
  }

  static boolean setsHeap(List<String> jvmArgs) {
    for (String a : jvmArgs) {
      if (a.startsWith("-Xmx") || a.startsWith("-XX:MaxRAM") || a.startsWith("-XX:MaxHeapSize")) {
        return true;
      }
    }
    return false;
  }

  /** Starts the child, waits for it and returns its exit code (128 + signal when killed). */
  public static int run(String mainClass, String[] args) {
    Process child;
    try {
      child = new ProcessBuilder(command(mainClass, args)).inheritIO().start();
    } catch (IOException e) {
      System.err.println("vigil: cannot start the JVM with Vigil's flags (" + e.getMessage()
          + "); set -Xmx or VIGIL_RELAUNCH=false to run in this JVM");
      return 1;
    }
    // Vigil drains on either signal; a terminal's Ctrl-C reaches the child directly too.
    Signal.handle(new Signal("TERM"), s -> child.destroy());
    Signal.handle(new Signal("INT"), s -> child.destroy());
    Runtime.getRuntime().addShutdownHook(new Thread(child::destroy, "vigil-launcher-stop"));
    while (true) {
      try {
        return child.waitFor();
      } catch (InterruptedException e) {
        // keep waiting: the child decides when it is done
      }
    }
  }

  /** The child's command line: the shipped flags, then this JVM's own (which win), then Main. */
  static List<String> command(String mainClass, String[] args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse(
        System.getProperty("java.home") + "/bin/java"));
    // Older JDKs lack a flag or two (TrimNativeHeapInterval is 17.0.9+): start anyway.
    cmd.add("-XX:+IgnoreUnrecognizedVMOptions");
    cmd.addAll(shippedOptions());
    cmd.add("-XX:MaxRAM=" + Math.min(MAX_RAM, physicalMemory()));
    cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    cmd.add("-D" + PARENT_PROPERTY + "=" + ProcessHandle.current().pid());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    cmd.addAll(List.of(args));
    return cmd;
  }

  /** docker/jvm.options as packed into the jar: one flag per line, '#' starts a comment. */
  static List<String> shippedOptions() throws IOException {
    List<String> options = new ArrayList<>();
    try (InputStream in = Relaunch.class.getResourceAsStream(OPTIONS_RESOURCE)) {
      if (in == null) {
        throw new IOException(OPTIONS_RESOURCE + " missing from the jar");
      }
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        String t = line.strip();
        if (!t.isEmpty() && !t.startsWith("#")) {
          options.add(t);
        }
      }
    }
    return options;
  }

  /** The container's memory limit, or the host's memory without one. */
  private static long physicalMemory() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      long total = os.getTotalMemorySize();
      if (total > 0) {
        return total;
      }
    }
    return MAX_RAM;
  }

  /**
   * In a relaunched child: stop (drain, as on SIGTERM) when the launcher dies, e.g. by SIGKILL,
   * so no sidecar outlives the process its supervisor knows about.
   */
  public static void followLauncher() {
    String parent = System.getProperty(PARENT_PROPERTY);
    if (parent == null) {
      return;
    }
    ProcessHandle.of(Long.parseLong(parent)).ifPresentOrElse(
        p -> p.onExit().thenRun(() -> Signal.raise(new Signal("TERM"))),
        () -> Signal.raise(new Signal("TERM")));
  }
}
