package dev.vigil.memory.source;

import dev.vigil.memory.MemoryReading;
import dev.vigil.memory.MemorySource;
import dev.vigil.memory.MemorySourceException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * {@code memory.source: process}: the app's whole process tree (PSS where readable, else RSS), with
 * the per-process breakdown of the last read in {@link #lastReading()}. The limit comes from the
 * given cgroup, else from the root process's own memory cgroup, when that has a limit.
 *
 * <p>Thread-safe; {@link #read()} runs the {@code /proc} reads on a worker thread.
 */
public final class ProcessMemorySource implements MemorySource {

  private static final double BYTES_PER_MIB = 1 << 20;
  /** At most this many processes are listed in {@code /sidecar/memory} (the sum covers the whole tree read). */
  public static final int MAX_LISTED = 64;

  private final Vertx vertx;
  private final ProcessTree tree;
  private final Callable<Optional<Long>> root;
  private final String rootDescription;
  private final CgroupMemory limitCgroup;
  private volatile ProcessTreeReading last;
  /** The root's memory cgroup, looked up once per root pid (a restarted app gets a new pid). */
  private long cgroupOfPid;
  private Optional<CgroupMemory> rootCgroup = Optional.empty();

  /**
   * @param vertx        runs the blocking reads
   * @param tree         the bounded {@code /proc} reader
   * @param root         the root pid now (called on a worker thread, may block), empty when there is none
   * @param rootDescription  names the root in error sentences, e.g. {@code "the app (vigil run)"}
   * @param limitCgroupOrNull  whose limit to report, or null for the root process's own memory cgroup
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
      Optional<CgroupMemory> cg = limitCgroup != null ? Optional.of(limitCgroup) : cgroupOf(pid.get());
      if (cg.isPresent()) {
        try {
          limit = cg.get().read().limitBytes();
        } catch (IOException e) {
          limit = null; // no limit to report: the configured one applies, if any
        }
      }
      last = r;
      return new MemoryReading(r.bytes() / BYTES_PER_MIB, limit == null ? null : limit / BYTES_PER_MIB,
          "process:" + r.measure());
    }, false);
  }

  /** Called on a worker only, one read at a time (the watch never overlaps polls). */
  private synchronized Optional<CgroupMemory> cgroupOf(long pid) {
    if (pid != cgroupOfPid) {
      try {
        rootCgroup = CgroupMemory.ofPid(pid);
      } catch (IOException e) {
        rootCgroup = Optional.empty();
      }
      cgroupOfPid = pid;
    }
    return rootCgroup;
  }

  /**
   * {@code processes}: the first {@value #MAX_LISTED} of the last read, root first, each
   * {@code {pid, ppid, command, rss_mib, pss_mib}}; {@code processes_total}: how many were read;
   * {@code processes_truncated}: the tree had more than the reader's bound and the sum covers only those read.
   */
  @Override
  public void addDetails(JsonObject memoryJson) {
    ProcessTreeReading r = last;
    JsonArray list = new JsonArray();
    if (r != null) {
      r.processes().stream().limit(MAX_LISTED).forEach(p -> list.add(new JsonObject()
          .put("pid", p.pid()).put("ppid", p.ppid()).put("command", p.command())
          .put("rss_mib", mib(p.rssBytes())).put("pss_mib", p.pssBytes() == null ? null : mib(p.pssBytes()))));
    }
    memoryJson.put("processes", list)
        .put("processes_total", r == null ? 0 : r.processes().size())
        .put("processes_listed_max", MAX_LISTED)
        .put("processes_truncated", r != null && r.truncated())
        .put("root_pid", r == null ? null : r.rootPid());
  }

  private static double mib(long bytes) {
    return Math.round(bytes / BYTES_PER_MIB * 10) / 10.0;
  }

  /** The breakdown of the last read, root first (empty before the first). */
  public List<ProcessMemory> processes() {
    ProcessTreeReading r = last;
    return r == null ? List.of() : r.processes();
  }
}
