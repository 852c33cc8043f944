package dev.vigil.metrics.bench;

import dev.vigil.metrics.RequestMetrics;
import dev.vigil.metrics.Shard;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The per-request record path: ring buffer, per-second ring, counters, HdrHistogram recorder and
 * the Prometheus counter and timer. Run with {@code bash src/bench/jmh.sh} (adds {@code -prof gc}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RecordBenchmark {

  @Param({"true", "false"})
  public boolean prometheus;

  private Shard shard;
  private final String[] paths = new String[64];
  private final String[] ids = new String[64];
  private int i;

  @Setup
  public void setUp() {
    RequestMetrics metrics = new RequestMetrics(4096, 100, List.of(), System::currentTimeMillis,
        prometheus ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT) : null, () -> 0);
    shard = metrics.shard();
    for (int k = 0; k < paths.length; k++) {
      // Fresh String objects per path, as the HTTP decoder produces them.
      paths[k] = new String("/api/items/" + (k % 8) + "/detail");
      ids[k] = "request-" + k;
    }
  }

  @Benchmark
  public void record() {
    int k = i++ & 63;
    shard.record("GET", paths[k], k % 10 == 0 ? 500 : 200, 1_234_567L, 120, 4096, ids[k], null);
  }
}
