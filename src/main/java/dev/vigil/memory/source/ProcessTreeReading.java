package dev.vigil.memory.source;

import java.util.List;

/**
 * The memory of a process and all its descendants.
 *
 * @param rootPid    the tree's root
 * @param processes  root first, then descendants breadth-first (at most the reader's bound)
 * @param rssBytes   sum of RSS (counts pages shared by a master and its forked workers once per process)
 * @param pssBytes   sum of PSS (shared pages split between their users), or null when a process's
 *                   {@code smaps_rollup} could not be read
 * @param truncated  the tree had more processes than the reader's bound
 */
public record ProcessTreeReading(long rootPid, List<ProcessMemory> processes, long rssBytes, Long pssBytes,
    boolean truncated) {

  /** PSS where known (the honest total for forked workers), else RSS. */
  public long bytes() {
    return pssBytes != null ? pssBytes : rssBytes;
  }

  /** {@code pss} or {@code rss}: which sum {@link #bytes()} is. */
  public String measure() {
    return pssBytes != null ? "pss" : "rss";
  }
}
