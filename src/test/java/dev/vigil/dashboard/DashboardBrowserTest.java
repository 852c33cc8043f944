package dev.vigil.dashboard;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loads the dashboard from a stub admin server in headless Chromium (skipped without Chromium, except on CI). */
@ExtendWith(VertxExtension.class)
class DashboardBrowserTest {

  @Test
  void rendersStatusIssuesMemoryTrendAndTraffic(Vertx vertx) throws Exception {
    DashboardCheck.assumeChromium();
    HttpServer server = start(vertx, "");

    DashboardCheck.DashboardView view = DashboardCheck.assertDashboardWorks(
        "http://127.0.0.1:" + server.actualPort() + "/sidecar/", Path.of("target/dashboard.png"));

    assertEquals("degraded", view.status());
    assertTrue(view.issuesText().contains("memory grows 60.8 MiB/h; limit reached in about 42 min"), view.issuesText());
    assertTrue(view.memoryPoints() >= 60, "memory points: " + view.memoryPoints());
    assertEquals(2, view.trendPoints(), "trend line from the fit to the projected limit");
    assertEquals(2, view.limitPoints(), "horizontal limit line");
    assertEquals(1, view.restartMarkers(), "the app block's last restart, marked on the memory line");
    assertEquals(1, view.recycleMarkers(), "the app block's last recycle, marked on the memory line");
    assertEquals(50, view.requestRows());
    assertEquals(2, view.attributionRows(), view.attributionText());
    assertTrue(view.attributionText().contains("POST/api/chat0.78 MiB91 %412"), view.attributionText());
    assertTrue(view.attributionText().contains("growth no route explains: 1.8 MiB/h"), view.attributionText());
  }

  @Test
  void rendersInDarkMode(Vertx vertx) throws Exception {
    DashboardCheck.assumeChromium();
    HttpServer server = start(vertx, "");

    DashboardCheck.DashboardView view = DashboardCheck.assertDashboardWorks(
        "http://127.0.0.1:" + server.actualPort() + "/sidecar/", Path.of("target/dashboard-dark.png"), "dark");

    assertEquals("degraded", view.status());
    assertTrue(view.memoryPoints() >= 60);
  }

  @Test
  void rendersUnhealthyWith503AndNullProjection(Vertx vertx) throws Exception {
    DashboardCheck.assumeChromium();
    HttpServer server = start(vertx, "unhealthy");

    DashboardCheck.DashboardView view = DashboardCheck.assertDashboardWorks(
        "http://127.0.0.1:" + server.actualPort() + "/sidecar/", Path.of("target/dashboard-unhealthy.png"));

    assertEquals("unhealthy", view.status());
    assertTrue(view.issuesText().contains("unreachable for 3 consecutive checks"), view.issuesText());
    assertEquals(4, view.memoryPoints(), "the sample with a null rss is left out");
    assertEquals(2, view.trendPoints(), "a falling trend is still drawn, just not to the limit");
    assertEquals(8, view.requestRows());
  }

  @Test
  void rendersWithoutSamplesAndWithNulls(Vertx vertx) throws Exception {
    DashboardCheck.assumeChromium();
    HttpServer server = start(vertx, "empty");

    DashboardCheck.DashboardView view = DashboardCheck.assertDashboardWorks(
        "http://127.0.0.1:" + server.actualPort() + "/sidecar/", Path.of("target/dashboard-empty.png"));

    assertEquals("healthy", view.status());
    assertEquals(0, view.memoryPoints());
    assertEquals(0, view.trendPoints());
    assertEquals(0, view.requestRows());
    assertEquals("No memory samples yet.", view.memoryNote());
    assertEquals(0, view.attributionRows());
    assertTrue(view.attributionText().contains("No leak suspected."), view.attributionText());
  }

  private static HttpServer start(Vertx vertx, String fixtureSet) throws Exception {
    return DashboardFixtureServer.start(vertx, fixtureSet).toCompletionStage().toCompletableFuture()
        .get(10, TimeUnit.SECONDS);
  }
}
