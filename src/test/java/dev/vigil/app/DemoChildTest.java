package dev.vigil.app;

import static dev.vigil.app.AppSupervisorTest.await;
import static dev.vigil.app.AppSupervisorTest.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.demo.DemoChild;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code demo --run}'s child is a real process that starts, answers the demo's paths and leaks. */
class DemoChildTest {

  @Test
  void theDemoChildAnswersItsHealthAndMemoryPathsAndLeaks() throws Exception {
    Vertx vertx = Vertx.vertx();
    AppOptions opts = AppOptions.of(DemoChild.command(), Ports.freeLoopbackPort())
        .withHealth("/api/health", Duration.ofMillis(100), Duration.ofSeconds(2));
    AppSupervisor sup = new AppSupervisor(vertx, opts, Clock.systemUTC());
    try {
      await(sup.start(), 10);
      await(sup.firstUp(), 30);
      JsonObject first = new JsonObject(get(opts.port(), "/api/memory-status").body());
      assertTrue(first.getJsonObject("system").getDouble("total_mb") <= 96, first.encode());
      RunModeTest.waitUntil("the leak to grow", 20, () -> {
        try {
          return new JsonObject(get(opts.port(), "/api/memory-status").body()).getJsonObject("process")
              .getDouble("rss_mb") > first.getJsonObject("process").getDouble("rss_mb") + 4;
        } catch (Exception e) {
          return false;
        }
      });
      assertEquals(200, get(opts.port(), "/").statusCode());
    } finally {
      await(sup.stop(), 20);
      await(vertx.close(), 10);
    }
  }
}
