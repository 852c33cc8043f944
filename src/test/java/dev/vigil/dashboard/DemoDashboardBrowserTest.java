package dev.vigil.dashboard;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.Sidecar;
import dev.vigil.Telemetry;
import dev.vigil.config.ConfigLoader;
import dev.vigil.config.VigilConfig;
import dev.vigil.demo.DemoApp;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The dashboard of a real running demo (app, sidecar, memory polling, traffic) in headless
 * Chromium: charts drawn with data points, the status shown, no console errors.
 */
class DemoDashboardBrowserTest {

  @Test
  void dashboardOfTheRunningDemo() throws Exception {
    DashboardCheck.assumeChromium();
    Map<String, String> overrides = new HashMap<>(Map.of("listen.port", "0", "listen.host", "127.0.0.1",
        "memory.poll.interval", "150ms", "memory.poll.timeout", "150ms"));
    DemoApp.prepare(overrides);
    VigilConfig config = ConfigLoader.load(null, Map.of(), overrides, w -> { });
    Telemetry telemetry = new Telemetry();
    Vertx vertx = telemetry.newVertx(2, false);
    try {
      Sidecar sidecar = new Sidecar(config, Clock.systemUTC(), telemetry.registry());
      DemoApp.start(vertx, config, sidecar, new PrintStream(OutputStream.nullOutputStream()))
          .await(30, TimeUnit.SECONDS);
      int port = sidecar.proxyPort();
      HttpClient client = vertx.createHttpClient();
      for (int i = 0; i < 40; i++) {
        String path = i % 10 == 0 ? "/nope" : "/api/items/" + i;
        client.request(HttpMethod.GET, port, "127.0.0.1", path)
            .compose(r -> r.send().compose(resp -> resp.body())).await(10, TimeUnit.SECONDS);
      }
      // Enough memory samples for a trend line before the page loads.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (sidecar.health().report().getJsonObject("memory").getInteger("samples", 0) < 12
          && System.nanoTime() < deadline) {
        Thread.sleep(50); // test thread, bounded by the deadline above
      }
      var view = DashboardCheck.assertDashboardWorks("http://127.0.0.1:" + port + "/sidecar/",
          Path.of("target", "dashboard-demo.png"));
      assertTrue(Set.of("healthy", "degraded", "unhealthy").contains(view.status()), view.toString());
      assertTrue(view.memoryPoints() >= 10, "memory chart points: " + view.memoryPoints());
      assertTrue(view.requestRows() >= 10, "recent requests: " + view.requestRows());
      sidecar.stop().await(20, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(20, TimeUnit.SECONDS);
      telemetry.close();
    }
  }
}
