package dev.vigil.memory;

/** Small JSON formatting helpers shared by the memory package. */
final class MemoryJson {

  private MemoryJson() {
  }

  /** Rounds to 3 decimals for JSON; null and non-finite stay null. */
  static Double round(Double v) {
    if (v == null || !Double.isFinite(v)) {
      return null;
    }
    return Math.round(v * 1000.0) / 1000.0;
  }

  static Double round(double v) {
    return round(Double.valueOf(v));
  }

  /** "3.1 h", "12 min", "40 s": for sentences. */
  static String humanDuration(double seconds) {
    if (seconds >= 3600) {
      return String.format(java.util.Locale.ROOT, "%.1f h", seconds / 3600);
    }
    if (seconds >= 120) {
      return String.format(java.util.Locale.ROOT, "%.0f min", seconds / 60);
    }
    return String.format(java.util.Locale.ROOT, "%.0f s", seconds);
  }

  /** "2s", "500ms": how durations are written in configuration. */
  static String configDuration(java.time.Duration d) {
    long ms = d.toMillis();
    return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
  }
}
