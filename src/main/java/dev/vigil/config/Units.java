package dev.vigil.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the human-written durations ({@code 500ms}, {@code 5s}, {@code 10m}, {@code 1h}) and sizes ({@code 16KiB}). */
public final class Units {

  private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)");
  private static final Pattern SIZE = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(B|KiB|MiB|GiB|KB|MB|GB|k|K|M|G)?");

  private Units() {
  }

  /** A duration such as {@code 500ms}, {@code 5s}, {@code 10m}, {@code 1h}, {@code 1d}, or {@code 1h30m}. */
  public static Duration parseDuration(String text) {
    String s = text.trim();
    if (s.isEmpty()) {
      throw new IllegalArgumentException("empty duration");
    }
    Matcher m = DURATION.matcher(s);
    long nanos = 0;
    int at = 0;
    while (at < s.length()) {
      if (!m.find(at) || m.start() != at) {
        throw new IllegalArgumentException("not a duration");
      }
      double amount = Double.parseDouble(m.group(1));
      long unit = switch (m.group(2)) {
        case "ms" -> 1_000_000L;
        case "s" -> 1_000_000_000L;
        case "m" -> 60_000_000_000L;
        case "h" -> 3_600_000_000_000L;
        default -> 86_400_000_000_000L;
      };
      nanos = Math.addExact(nanos, Math.round(amount * unit));
      at = m.end();
    }
    return Duration.ofNanos(nanos);
  }

  /** A byte size such as {@code 512}, {@code 16KiB}, {@code 10MiB}, {@code 1GiB} (KB/MB/GB are read as powers of 1000). */
  public static long parseSize(String text) {
    Matcher m = SIZE.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("not a size");
    }
    double amount = Double.parseDouble(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2);
    long factor = switch (unit) {
      case "B" -> 1L;
      case "KiB", "k", "K" -> 1L << 10;
      case "MiB", "M" -> 1L << 20;
      case "GiB", "G" -> 1L << 30;
      case "KB" -> 1_000L;
      case "MB" -> 1_000_000L;
      default -> 1_000_000_000L;
    };
    double bytes = amount * factor;
    if (bytes > Long.MAX_VALUE) {
      throw new IllegalArgumentException("too large");
    }
    return Math.round(bytes);
  }

  /** A share written {@code 10%} or {@code 0.1}. */
  public static double parseFraction(String text) {
    String s = text.trim();
    if (s.endsWith("%")) {
      return Double.parseDouble(s.substring(0, s.length() - 1).trim()) / 100.0;
    }
    return Double.parseDouble(s);
  }

  /** Renders a duration the way it is written in the config file. */
  public static String formatDuration(Duration d) {
    long ms = d.toMillis();
    if (ms % 3_600_000 == 0 && ms > 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0 && ms > 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1000 == 0 && ms > 0) {
      return ms / 1000 + "s";
    }
    return ms + "ms";
  }

  /** Renders a size the way it is written in the config file. */
  public static String formatSize(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB"};
    int i = 0;
    long v = bytes;
    while (i < units.length - 1 && v >= 1024 && v % 1024 == 0) {
      v /= 1024;
      i++;
    }
    return v + units[i];
  }

  static String lower(String s) {
    return s.toLowerCase(Locale.ROOT);
  }
}
