package dev.vigil.dashboard;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * Serves the dashboard the way the admin router does -- {@code GET /sidecar/} is index.html,
 * {@code /sidecar/assets/<file>} comes from {@code dashboard/} on the classpath and
 * {@code /sidecar/assets/chart.umd.js} from the Chart.js webjar -- plus fixed JSON from
 * {@code dashboard-fixtures/<set>/} at {@code /sidecar/health}, {@code /sidecar/memory} and
 * {@code /sidecar/requests}. Health answers 503 when the fixture says {@code unhealthy}, as the
 * real endpoint does.
 */
final class DashboardFixtureServer {

  static final String PREFIX = "/sidecar/";
  static final String DASHBOARD_DIR = "dashboard/";
  static final String CHART_JS = "META-INF/resources/webjars/chart.js/4.5.1/dist/chart.umd.js";
  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8", "json", "application/json");

  private final String fixtureDir;

  private DashboardFixtureServer(String fixtureSet) {
    this.fixtureDir = "dashboard-fixtures/" + (fixtureSet.isEmpty() ? "" : fixtureSet + "/");
  }

  /** Listens on a free port; {@code fixtureSet} is "" for the main fixtures or a sub-folder such as "empty". */
  static Future<HttpServer> start(Vertx vertx, String fixtureSet) {
    DashboardFixtureServer server = new DashboardFixtureServer(fixtureSet);
    return vertx.createHttpServer().requestHandler(server::handle).listen(0, "127.0.0.1");
  }

  private void handle(HttpServerRequest req) {
    String path = req.path();
    if (path.equals(PREFIX)) {
      send(req, 200, "html", DASHBOARD_DIR + "index.html");
    } else if (path.equals(PREFIX + "assets/chart.umd.js")) {
      send(req, 200, "js", CHART_JS);
    } else if (path.startsWith(PREFIX + "assets/") && path.indexOf('/', (PREFIX + "assets/").length()) < 0
        && !path.contains("..")) {
      String file = path.substring((PREFIX + "assets/").length());
      send(req, 200, file.substring(file.lastIndexOf('.') + 1), DASHBOARD_DIR + file);
    } else if (path.equals(PREFIX + "health")) {
      Buffer body = read(fixtureDir + "health.json");
      int status = "unhealthy".equals(body == null ? null : new JsonObject(body).getString("status")) ? 503 : 200;
      send(req, status, "json", fixtureDir + "health.json");
    } else if (path.equals(PREFIX + "memory") || path.equals(PREFIX + "requests")) {
      send(req, 200, "json", fixtureDir + path.substring(PREFIX.length()) + ".json");
    } else {
      req.response().setStatusCode(404).end();
    }
  }

  private static void send(HttpServerRequest req, int status, String ext, String resource) {
    Buffer body = read(resource);
    if (body == null) {
      req.response().setStatusCode(404).end();
      return;
    }
    req.response().setStatusCode(status)
        .putHeader("content-type", TYPES.getOrDefault(ext, "application/octet-stream"))
        .putHeader("cache-control", "no-store")
        .end(body);
  }

  /** Small classpath files only; a real server would cache these or read them off the event loop. */
  private static Buffer read(String resource) {
    try (InputStream in = DashboardFixtureServer.class.getClassLoader().getResourceAsStream(resource)) {
      return in == null ? null : Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
