package dev.vigil.overload;

import dev.vigil.health.Finding;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Self-protection, in the spirit of Envoy's overload manager: when Vigil's own live heap passes
 * {@code overload.heapShedPercent}, new requests are answered 503 until it falls back. It reads
 * the heap as it was after the last collection (not the current usage, which includes garbage and
 * would flap right before every GC), refreshed by a timer, so the hot path reads one volatile.
 */
public final class HeapGuard {

  private final double shedPercent;
  private final LongSupplier liveBytes;
  private final long maxBytes;
  private volatile boolean shedding;
  private volatile double percent;

  public HeapGuard(double shedPercent) {
    this(shedPercent, HeapGuard::liveHeapAfterLastGc, Runtime.getRuntime().maxMemory());
  }

  /** For tests: an explicit source of live bytes and a heap maximum. */
  public HeapGuard(double shedPercent, LongSupplier liveBytes, long maxBytes) {
    this.shedPercent = shedPercent;
    this.liveBytes = liveBytes;
    this.maxBytes = maxBytes;
  }

  /** Re-reads the heap; call from a periodic timer (cheap: a handful of MXBean reads). */
  public void refresh() {
    double p = maxBytes <= 0 ? 0 : 100.0 * liveBytes.getAsLong() / maxBytes;
    percent = p;
    // 5 points of hysteresis so a heap hovering at the line does not flap.
    if (!shedding && p >= shedPercent) {
      shedding = true;
    } else if (shedding && p < shedPercent - 5) {
      shedding = false;
    }
  }

  public boolean shedding() {
    return shedding;
  }

  public double percent() {
    return percent;
  }

  public double shedPercent() {
    return shedPercent;
  }

  /** Degraded while shedding, with the sentence operators see in {@code issues}. */
  public List<Finding> findings() {
    if (!shedding) {
      return List.of();
    }
    return List.of(Finding.degraded(String.format(Locale.ROOT,
        "Vigil is shedding load: its live heap is at %.0f%% (limit %.0f%%); new requests get 503",
        percent, shedPercent)));
  }

  private static final List<MemoryPoolMXBean> HEAP_POOLS = ManagementFactory.getMemoryPoolMXBeans().stream()
      .filter(p -> p.getType() == MemoryType.HEAP)
      .toList();

  /** Sum over heap pools of the usage after the last collection, or current usage where none happened yet. */
  static long liveHeapAfterLastGc() {
    long sum = 0;
    for (MemoryPoolMXBean pool : HEAP_POOLS) {
      MemoryUsage after = pool.getCollectionUsage();
      if (after != null && after.getUsed() > 0) {
        sum += after.getUsed();
      } else if (!pool.getName().contains("Eden")) {
        MemoryUsage now = pool.getUsage();
        sum += now == null ? 0 : now.getUsed();
      }
    }
    return sum;
  }
}
