package dev.vigil.memory.source;

import java.nio.file.Path;

/**
 * One reading of a memory cgroup, in bytes.
 *
 * @param version            1 or 2
 * @param dir                the cgroup's directory
 * @param usageBytes         {@code memory.current} (v2) or {@code memory.usage_in_bytes} (v1)
 * @param inactiveFileBytes  {@code inactive_file} (v2) or {@code total_inactive_file} (v1) of {@code memory.stat}
 * @param limitBytes         {@code memory.max} / {@code memory.limit_in_bytes}, or null when there is none
 * @param oomKills           processes the OOM killer killed in this cgroup ({@code oom_kill} of
 *                           {@code memory.events} / {@code memory.oom_control}), or -1 when the kernel does not say
 */
public record CgroupReading(int version, Path dir, long usageBytes, long inactiveFileBytes, Long limitBytes,
    long oomKills) {

  /** The working set as kubelet computes it: usage minus inactive file pages (never below 0). */
  public long workingSetBytes() {
    return Math.max(0, usageBytes - inactiveFileBytes);
  }
}
