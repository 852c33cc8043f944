package dev.vigil.testing;

import dev.vigil.Sidecar;
import dev.vigil.config.ConfigLoader;
import dev.vigil.config.VigilConfig;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/** Starts a real sidecar on a random loopback port in front of an upstream URL. */
public final class Vigils {

  private Vigils() {
  }

  public static Sidecar start(Vertx vertx, String upstreamUrl, Map<String, String> extra) throws Exception {
    return start(vertx, upstreamUrl, extra, null);
  }

  /** As in run mode: {@code appPid} gives the child's pid (0 while none); null = not run mode. */
  public static Sidecar start(Vertx vertx, String upstreamUrl, Map<String, String> extra, LongSupplier appPid)
      throws Exception {
    Map<String, String> o = new HashMap<>(Map.of(
        "listen.port", "0", "listen.host", "127.0.0.1", "upstream.url", upstreamUrl,
        "memory.enabled", "false", "keepalive.enabled", "false", "upstream.health.interval", "200ms"));
    o.putAll(extra);
    VigilConfig config = ConfigLoader.load(null, Map.of(), o, w -> { });
    Sidecar sidecar = new Sidecar(config, Clock.systemUTC(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
        appPid);
    sidecar.start(vertx).await(20, TimeUnit.SECONDS);
    return sidecar;
  }
}
