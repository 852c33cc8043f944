package dev.vigil.overload;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Vigil's own resident memory, read from {@code /proc/self/status} on a worker thread every few
 * seconds (a file read does not belong on an event loop) and cached for the health document.
 */
public final class ProcessStats {

  private static final Path STATUS = Path.of("/proc/self/status");
  private volatile double rssMiB = Double.NaN;
  private long timer = -1;

  public void start(Vertx vertx, long periodMs) {
    sample(vertx);
    timer = vertx.setPeriodic(periodMs, id -> sample(vertx));
  }

  public void stop(Vertx vertx) {
    if (timer != -1) {
      vertx.cancelTimer(timer);
    }
  }

  private void sample(Vertx vertx) {
    vertx.executeBlocking(ProcessStats::readRssMiB, false).onSuccess(v -> rssMiB = v);
  }

  /** Resident set size in MiB, NaN when unknown (not Linux). */
  public double rssMiB() {
    return rssMiB;
  }

  public static double heapUsedMiB() {
    Runtime rt = Runtime.getRuntime();
    return (rt.totalMemory() - rt.freeMemory()) / 1048576.0;
  }

  static double readRssMiB() {
    try {
      List<String> lines = Files.readAllLines(STATUS);
      for (String line : lines) {
        if (line.startsWith("VmRSS:")) {
          String[] parts = line.substring(6).trim().split("\\s+");
          return Long.parseLong(parts[0]) / 1024.0;
        }
      }
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
    return Double.NaN;
  }
}
