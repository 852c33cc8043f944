package dev.vigil.keepalive;

import java.time.Duration;
import java.util.Locale;

/** Renders durations the way the configuration and the issue sentences write them. */
final class Durations {
  private Durations() {
  }

  /** Configuration style: {@code 500ms}, {@code 5s}, {@code 10m}, {@code 1h}; falls back to ms. */
  static String format(Duration d) {
    long ms = d.toMillis();
    if (ms != 0 && ms % 3_600_000 == 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms != 0 && ms % 60_000 == 0) {
      return ms / 60_000 + "m";
    }
    if (ms != 0 && ms % 1000 == 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }

  /** Sentence style, rounded for people: {@code 40 s}, {@code 12 min}, {@code 1.5 h}. */
  static String humanize(Duration d) {
    double s = Math.max(0, d.toMillis()) / 1000.0;
    if (s < 90) {
      return Math.round(s) + " s";
    }
    if (s < 90 * 60) {
      return Math.round(s / 60) + " min";
    }
    return String.format(Locale.ROOT, "%.1f h", s / 3600);
  }
}
