package dev.vigil.watch;

import dev.vigil.memory.MemoryTracker;
import io.vertx.core.json.JsonObject;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;

/**
 * Every sample (and every failed poll) as one JSON Lines object or one CSV row. Written from the
 * watch's own thread, never from an event loop; flushed after each line so a killed watch leaves a
 * usable file.
 */
final class SampleFile implements AutoCloseable {

  static final String[] COLUMNS = {"t", "url", "rss_mib", "limit_mib", "percent", "trend_mib_per_hour",
      "floor_trend_mib_per_hour", "r2", "leak_suspected", "projected_limit_in_s", "state", "error"};

  private final BufferedWriter writer;
  private final boolean csv;

  SampleFile(Path path, boolean csv) {
    this.csv = csv;
    try {
      Path parent = path.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      this.writer = Files.newBufferedWriter(path, StandardCharsets.UTF_8);
      if (csv) {
        line(String.join(",", COLUMNS));
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("--out " + path + ": cannot write (" + e.getMessage() + ")");
    }
  }

  void sample(String url, MemoryTracker.Point p) {
    write(new Object[] {p.t().toString(), url, round(p.rssMiB()), round(p.limitMiB()), round(p.percent()),
        round(p.slopeMiBPerHour()), round(p.floorSlopeMiBPerHour()), round(p.r2()), p.leakSuspected(),
        round(p.projectedLimitInS()), p.state().label(), null});
  }

  void failure(Instant t, String url, String error) {
    write(new Object[] {t.toString(), url, null, null, null, null, null, null, null, null, "unknown", error});
  }

  private void write(Object[] values) {
    if (csv) {
      StringBuilder row = new StringBuilder();
      for (int i = 0; i < values.length; i++) {
        row.append(i == 0 ? "" : ",").append(values[i] == null ? "" : csvField(String.valueOf(values[i])));
      }
      line(row.toString());
    } else {
      JsonObject json = new JsonObject();
      for (int i = 0; i < values.length; i++) {
        json.put(COLUMNS[i], values[i]);
      }
      line(json.encode());
    }
  }

  private void line(String text) {
    try {
      writer.write(text);
      writer.newLine();
      writer.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String csvField(String s) {
    return s.contains(",") || s.contains("\"") || s.contains("\n")
        ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
  }

  static Double round(Double v) {
    return v == null || !Double.isFinite(v) ? null : Math.round(v * 1000.0) / 1000.0;
  }

  static String fmt(String pattern, Object... args) {
    return String.format(Locale.ROOT, pattern, args);
  }

  @Override
  public void close() {
    try {
      writer.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
