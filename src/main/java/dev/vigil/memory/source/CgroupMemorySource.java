package dev.vigil.memory.source;

import dev.vigil.memory.MemoryReading;
import dev.vigil.memory.MemorySource;
import dev.vigil.memory.MemorySourceException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;

/**
 * {@code memory.source: cgroup}: the container's working set (see {@link CgroupMemory}) and its
 * limit. Thread-safe; {@link #read()} runs the file reads on a worker thread.
 */
public final class CgroupMemorySource implements MemorySource {

  private static final double BYTES_PER_MIB = 1 << 20;

  private final Vertx vertx;
  private final CgroupMemory cgroup;
  private volatile CgroupReading last;

  public CgroupMemorySource(Vertx vertx, CgroupMemory cgroup) {
    this.vertx = vertx;
    this.cgroup = cgroup;
  }

  @Override
  public String name() {
    return "cgroup";
  }

  public CgroupMemory cgroup() {
    return cgroup;
  }

  /** The last successful read (usage, inactive file, limit, OOM kills), or null. */
  public CgroupReading lastReading() {
    return last;
  }

  /** {@code cgroup}: version, directory and the last read's figures in MiB (null before the first read). */
  @Override
  public void addDetails(JsonObject memoryJson) {
    CgroupReading r = last;
    memoryJson.put("cgroup", new JsonObject()
        .put("version", cgroup.version())
        .put("dir", cgroup.dir().toString())
        .put("usage_mib", r == null ? null : mib(r.usageBytes()))
        .put("inactive_file_mib", r == null ? null : mib(r.inactiveFileBytes()))
        .put("working_set_mib", r == null ? null : mib(r.workingSetBytes()))
        .put("limit_mib", r == null || r.limitBytes() == null ? null : mib(r.limitBytes()))
        .put("oom_kills", r == null || r.oomKills() < 0 ? null : r.oomKills()));
  }

  private static double mib(long bytes) {
    return Math.round(bytes / BYTES_PER_MIB * 10) / 10.0;
  }

  @Override
  public Future<MemoryReading> read() {
    return vertx.executeBlocking(() -> {
      CgroupReading r;
      try {
        r = cgroup.read();
      } catch (IOException | RuntimeException e) {
        throw new MemorySourceException("cgroup memory: cannot read " + cgroup + " (" + e.getMessage() + ")");
      }
      last = r;
      return new MemoryReading(r.workingSetBytes() / BYTES_PER_MIB,
          r.limitBytes() == null ? null : r.limitBytes() / BYTES_PER_MIB, "cgroup v" + r.version() + ":working_set");
    }, false);
  }
}
