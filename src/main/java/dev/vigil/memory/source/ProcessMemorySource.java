package dev.vigil.memory.source;

import dev.vigil.memory.MemoryReading;
import dev.vigil.memory.MemorySource;
import dev.vigil.memory.MemorySourceException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * {@code memory.source: process}: the app's whole process tree (PSS where readable, else RSS), with
 * the per-process breakdown of the last read in {@link #lastReading()}. The limit comes from a
 * cgroup when one is given and has a limit.
 *
 * <p>Thread-safe; {@link #read()} runs the {@code /proc} reads on a worker thread.
 */
public final class ProcessMemorySource implements MemorySource {

  private static final double BYTES_PER_MIB = 1 << 20;

  private final Vertx vertx;
  private final ProcessTree tree;
  private final Callable<Optional<Long>> root;
  private final String rootDescription;
  private final CgroupMemory limitCgroup;
  private volatile ProcessTreeReading last;

  /**
   * @param vertx        runs the blocking reads
   * @param tree         the bounded {@code /proc} reader
   * @param root         the root pid now (called on a worker thread, may block), empty when there is none
   * @param rootDescription  names the root in error sentences, e.g. {@code "the app (vigil run)"}
   * @param limitCgroupOrNull  whose limit to report, or null
   */
  public ProcessMemorySource(Vertx vertx, ProcessTree tree, Callable<Optional<Long>> root, String rootDescription,
      CgroupMemory limitCgroupOrNull) {
    this.vertx = vertx;
    this.tree = tree;
    this.root = root;
    this.rootDescription = rootDescription;
    this.limitCgroup = limitCgroupOrNull;
  }

  /** The tree of a process found by {@code memory.process.match} (looked up again on every read). */
  public static ProcessMemorySource matching(Vertx vertx, ProcessTree tree, Pattern match, CgroupMemory limitCgroupOrNull) {
    return new ProcessMemorySource(vertx, tree, () -> tree.findRoot(match),
        "no process matches memory.process.match '" + match.pattern() + "'", limitCgroupOrNull);
  }

  @Override
  public String name() {
    return "process";
  }

  /** The last successful read (the breakdown for {@code /sidecar/memory}), or null. */
  public ProcessTreeReading lastReading() {
    return last;
  }

  @Override
  public Future<MemoryReading> read() {
    return vertx.executeBlocking(() -> {
      Optional<Long> pid = root.call();
      if (pid.isEmpty()) {
        throw new MemorySourceException("process memory: " + rootDescription);
      }
      ProcessTreeReading r;
      try {
        r = tree.read(pid.get());
      } catch (NoSuchFileException gone) {
        throw new MemorySourceException("process memory: process " + pid.get() + " is gone");
      }
      Long limit = null;
      if (limitCgroup != null) {
        try {
          limit = limitCgroup.read().limitBytes();
        } catch (IOException e) {
          limit = null; // no limit to report: the configured or the app's own applies
        }
      }
      last = r;
      return new MemoryReading(r.bytes() / BYTES_PER_MIB, limit == null ? null : limit / BYTES_PER_MIB,
          "process:" + r.measure());
    }, false);
  }

  /** The breakdown of the last read, root first (empty before the first). */
  public List<ProcessMemory> processes() {
    ProcessTreeReading r = last;
    return r == null ? List.of() : r.processes();
  }
}
