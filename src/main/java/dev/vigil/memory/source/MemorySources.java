package dev.vigil.memory.source;

import dev.vigil.memory.MemorySource;
import dev.vigil.memory.MemorySourceException;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.util.Locale;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * Chooses where the memory watch reads from ({@code memory.source}):
 * <ul>
 *   <li>{@code http}: the app's memory endpoint (the watch's own HTTP poll; no source object).</li>
 *   <li>{@code process}: the app's process tree from {@code /proc}; in run mode rooted at the child,
 *       otherwise at the process found by {@code memory.process.match}.</li>
 *   <li>{@code cgroup}: the working set of the app's memory cgroup (in run mode the child's, which in
 *       a container is the container's; otherwise Vigil's own).</li>
 *   <li>{@code auto}: in run mode {@code cgroup} when the app's cgroup has a memory limit, else
 *       {@code process}; otherwise {@code http}.</li>
 * </ul>
 * Choices that need files (is there a cgroup, does it have a limit) are made on the first read, on
 * a worker thread, once the app runs.
 */
public final class MemorySources {

  public static final String AUTO = "auto";
  public static final String HTTP = "http";
  public static final String PROCESS = "process";
  public static final String CGROUP = "cgroup";

  private static final double BYTES_PER_MIB = 1 << 20;

  private MemorySources() {
  }

  /**
   * The problem with this combination, as one line naming the key, or null when it is usable. The
   * config loader cannot see it alone: only the caller knows whether Vigil runs the app.
   */
  public static String problem(String source, String processMatch, boolean runMode) {
    if (PROCESS.equals(source) && !runMode && processMatch == null) {
      return "memory.process.match: required when memory.source is process and Vigil does not run the app"
          + " (vigil run); expected a regular expression matching the app's command line";
    }
    return null;
  }

  /**
   * The source for {@code memory.source}, or null for the HTTP endpoint.
   *
   * @param source          {@code auto | http | process | cgroup}
   * @param processMatch    {@code memory.process.match} (a valid regex), or null
   * @param appPidOrNull    run mode: the child's pid now (0 when there is none); null when Vigil does not run the app
   * @throws IllegalArgumentException when {@link #problem} reports one
   */
  public static MemorySource create(Vertx vertx, String source, String processMatch, LongSupplier appPidOrNull) {
    String problem = problem(source, processMatch, appPidOrNull != null);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    ProcessTree tree = new ProcessTree(ProcessTree.DEFAULT_MAX_PROCESSES);
    boolean run = appPidOrNull != null;
    return switch (source.toLowerCase(Locale.ROOT)) {
      case HTTP -> null;
      case AUTO -> run ? new ResolvingSource(vertx, AUTO, () -> auto(vertx, tree, appPidOrNull)) : null;
      case PROCESS -> run ? ofApp(vertx, tree, appPidOrNull, null)
          : ProcessMemorySource.matching(vertx, tree, Pattern.compile(processMatch), null);
      case CGROUP -> new ResolvingSource(vertx, CGROUP, () -> cgroup(vertx, appPidOrNull));
      default -> throw new IllegalArgumentException("memory.source = " + source + ": expected auto, http, process or cgroup");
    };
  }

  /** The run-mode child's tree; the root is looked up on every read, so a restarted child is followed. */
  static ProcessMemorySource ofApp(Vertx vertx, ProcessTree tree, LongSupplier appPid, CgroupMemory limitCgroupOrNull) {
    return new ProcessMemorySource(vertx, tree, () -> {
      long pid = appPid.getAsLong();
      return pid > 0 ? Optional.of(pid) : Optional.empty();
    }, "the app (vigil run) is not running", limitCgroupOrNull);
  }

  /** Blocking: decides between cgroup and process from the running child's memory cgroup. */
  private static ResolvingSource.Choice auto(Vertx vertx, ProcessTree tree, LongSupplier appPid) throws IOException {
    long pid = appPid.getAsLong();
    if (pid <= 0) {
      throw new MemorySourceException("memory: the app (vigil run) is not running yet; memory.source auto"
          + " chooses between cgroup and process once it runs");
    }
    Optional<CgroupMemory> cg = CgroupMemory.ofPid(pid);
    if (cg.isPresent()) {
      Long limit = cg.get().read().limitBytes();
      if (limit != null) {
        return new ResolvingSource.Choice(new CgroupMemorySource(vertx, cg.get()), String.format(Locale.ROOT,
            "auto: the app runs in %s with a memory limit of %.0f MiB", cg.get(), limit / BYTES_PER_MIB));
      }
    }
    return new ResolvingSource.Choice(ofApp(vertx, tree, appPid, cg.orElse(null)), cg.isPresent()
        ? "auto: the app's " + cg.get() + " has no memory limit"
        : "auto: the app has no readable memory cgroup");
  }

  /** Blocking: the run-mode child's memory cgroup, else Vigil's own. */
  private static ResolvingSource.Choice cgroup(Vertx vertx, LongSupplier appPidOrNull) throws IOException {
    Optional<CgroupMemory> cg;
    String whose;
    if (appPidOrNull != null) {
      long pid = appPidOrNull.getAsLong();
      if (pid <= 0) {
        throw new MemorySourceException("cgroup memory: the app (vigil run) is not running yet");
      }
      cg = CgroupMemory.ofPid(pid);
      whose = "the app's (pid " + pid + ")";
    } else {
      cg = CgroupMemory.ofSelf();
      whose = "Vigil's own";
    }
    if (cg.isEmpty()) {
      throw new MemorySourceException("cgroup memory: " + whose + " memory cgroup cannot be found or read"
          + " (no memory controller in /proc/self/mountinfo, or its files are not readable)");
    }
    return new ResolvingSource.Choice(new CgroupMemorySource(vertx, cg.get()), "cgroup: " + whose + " " + cg.get());
  }
}
