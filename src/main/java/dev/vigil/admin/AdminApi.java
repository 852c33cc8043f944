package dev.vigil.admin;

import dev.vigil.config.VigilConfig;
import dev.vigil.health.HealthAggregator;
import dev.vigil.health.HealthFormats;
import dev.vigil.health.Readiness;
import dev.vigil.memory.MemoryWatch;
import dev.vigil.metrics.RequestMetrics;
import dev.vigil.proxy.AdminEndpoint;
import dev.vigil.proxy.ErrorReply;
import dev.vigil.proxy.PathNormalizer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.function.Function;

/**
 * Vigil's admin surface: every endpoint under {@code admin.prefix} (default {@code /sidecar/}),
 * served on the proxy listener and, when {@code admin.port} is set, on a separate admin listener
 * that serves nothing else. HEAD is answered wherever GET is.
 * <ul>
 *   <li>{@code GET /sidecar} redirects to {@code /sidecar/}, which serves the dashboard page;
 *       {@code GET assets/NAME} its files;</li>
 *   <li>{@code GET health}: the aggregated health document, 200 (healthy, degraded) or 503
 *       (unhealthy); {@code ?scope=fleet} lists every replica sharing Redis;</li>
 *   <li>{@code GET health/live}: liveness, always 200 while the process answers;</li>
 *   <li>{@code GET health/ready}: readiness, 200 or 503 with the reasons;</li>
 *   <li>{@code GET memory}: the app's memory samples, trend and state (404 when memory watching is off);</li>
 *   <li>{@code GET requests?limit=N}: the newest proxied requests (default 100);</li>
 *   <li>{@code GET metrics}: Prometheus text;</li>
 *   <li>{@code POST memory/cleanup}: asks the app to free memory (bearer token; admin listener only
 *       when there is one; 409 when off or cooling down);</li>
 *   <li>{@code GET memory/diagnostics}: the last answers of {@code memory.diagnostics.url};
 *       {@code POST} calls it now (bearer token, as cleanup; 409 without a URL);</li>
 *   <li>{@code GET health/app-live}: 200, or 503 once a recycle is due and the app is drained (the app
 *       container's livenessProbe in Kubernetes);</li>
 *   <li>{@code POST app/recycle}: recycles the app now (same rules as {@code memory/cleanup}; 409 when
 *       recycling is off, running, or another replica holds the lease).</li>
 * </ul>
 * Any other method on a known path gets 405 with {@code Allow}; unknown paths 404. To add an
 * endpoint, add one line to {@link #routes()} and one item to this list.
 */
public final class AdminApi {

  /**
   * What the endpoints read.
   *
   * @param memory null when {@code memory.enabled} is false
   * @param fleet the fleet view built from this replica's report ({@code ?scope=fleet})
   */
  public record Parts(VigilConfig.Admin config, String listenHost, HealthAggregator health, HealthFormats formats,
                      Readiness readiness,
                      Function<JsonObject, Future<JsonObject>> fleet, MemoryWatch memory, RequestMetrics metrics,
                      PrometheusMeterRegistry registry) {
  }

  private final Vertx vertx;
  private final Parts parts;
  private final AppControl app;
  private final AdminRoutes routes;
  private HttpServer listener;

  public AdminApi(Vertx vertx, Parts parts) {
    this(vertx, parts, AppControl.NONE);
  }

  /** @param app recycling's admin side ({@link AppControl#NONE} when {@code recycle.enabled} is false) */
  public AdminApi(Vertx vertx, Parts parts, AppControl app) {
    this.vertx = vertx;
    this.parts = parts;
    this.app = app;
    this.routes = routes();
  }

  /** The endpoint the proxy hands its admin-prefix requests to. */
  public AdminEndpoint endpoint() {
    return routes;
  }

  private AdminRoutes routes() {
    VigilConfig.Admin admin = parts.config();
    DashboardAssets dashboard = new DashboardAssets();
    return new AdminRoutes(admin.prefix(), admin.token(), admin.port() != null)
        .get("", req -> dashboardPage(req, dashboard))
        .getTree("assets/", dashboard::asset)
        .get("health", this::health)
        .get("health/live", this::live)
        .get("health/ready", this::ready)
        .get("health/app-live", this::appLive)
        .post("app/recycle", this::recycle)
        .get("memory", this::memory)
        .post("memory/cleanup", this::cleanup)
        .get("memory/diagnostics", this::diagnostics)
        .post("memory/diagnostics", this::diagnoseNow)
        .get("requests", this::requests)
        .get("metrics", this::metrics);
  }

  /** Starts the separate admin listener when {@code admin.port} is set. */
  public Future<Void> listen() {
    Integer port = parts.config().port();
    if (port == null) {
      return Future.succeededFuture();
    }
    String prefix = parts.config().prefix();
    listener = vertx.createHttpServer()
        .requestHandler(request -> {
          String path = PathNormalizer.forMatching(request.path());
          if (path != null && PathNormalizer.isUnder(path, prefix)) {
            routes.handle(request, path, true);
          } else {
            ErrorReply.send(request, 404, "the admin listener serves only " + prefix, false);
          }
        });
    return listener.listen(port, parts.listenHost()).mapEmpty();
  }

  public Future<Void> close() {
    return listener == null ? Future.succeededFuture() : listener.close();
  }

  /** The admin listener's bound port, or -1 without one. */
  public int port() {
    return listener == null ? -1 : listener.actualPort();
  }

  private void dashboardPage(HttpServerRequest req, DashboardAssets dashboard) {
    if (!req.path().endsWith("/")) {
      // The page uses relative URLs: /sidecar must become /sidecar/ first.
      req.response().setStatusCode(301).putHeader("location", parts.config().prefix()).end();
    } else {
      dashboard.page(req);
    }
  }

  private void health(HttpServerRequest req) {
    JsonObject report = parts.health().report();
    req.response().putHeader("vary", "accept");
    if (!"fleet".equals(req.getParam("scope"))) {
      if (HealthFormats.wantsHealthJson(req.getHeader("accept"))) {
        AdminReplies.text(req, HealthAggregator.httpStatus(report), HealthFormats.HEALTH_JSON,
            parts.formats().healthJson(report).toBuffer());
      } else {
        AdminReplies.json(req, HealthAggregator.httpStatus(report), report);
      }
      return;
    }
    parts.fleet().apply(report).onComplete(ar -> {
      if (ar.succeeded()) {
        AdminReplies.json(req, HealthAggregator.httpStatus(ar.result()), ar.result());
      } else {
        ErrorReply.send(req, 503, "fleet health unavailable: " + ar.cause().getMessage(), false);
      }
    });
  }

  private void live(HttpServerRequest req) {
    if (req.params().contains("verbose")) {
      AdminReplies.text(req, 200, HealthFormats.TEXT,
          Buffer.buffer(HealthFormats.verbose("livez", HealthFormats.liveness())));
    } else {
      AdminReplies.json(req, 200, new JsonObject().put("status", "UP"));
    }
  }

  private void ready(HttpServerRequest req) {
    if (req.params().contains("verbose")) {
      var checks = HealthFormats.readiness(parts.readiness()); // one reading for the lines and the status
      AdminReplies.text(req, HealthFormats.passed(checks) ? 200 : 503, HealthFormats.TEXT,
          Buffer.buffer(HealthFormats.verbose("readyz", checks)));
      return;
    }
    boolean ready = parts.readiness().ready();
    JsonObject body = new JsonObject().put("status", ready ? "UP" : "DOWN");
    if (!ready) {
      body.put("reasons", new JsonArray(parts.readiness().reasons()));
    }
    AdminReplies.json(req, ready ? 200 : 503, body);
  }

  private void appLive(HttpServerRequest req) {
    boolean live = app.appLive();
    AdminReplies.json(req, live ? 200 : 503, new JsonObject().put("status", live ? "UP" : "DOWN")
        .put("reason", live ? null : "a recycle is due and the app is drained: restart it"));
  }

  private void recycle(HttpServerRequest req) {
    app.recycleNow().onComplete(ar -> {
      if (ar.succeeded()) {
        AdminReplies.json(req, 200, ar.result());
      } else {
        ErrorReply.send(req, 409, ar.cause().getMessage(), false);
      }
    });
  }

  private void memory(HttpServerRequest req) {
    if (parts.memory() == null) {
      ErrorReply.send(req, 404, "memory watching is off (memory.enabled: false)", false);
    } else {
      AdminReplies.json(req, 200, parts.memory().memoryJson());
    }
  }

  private void cleanup(HttpServerRequest req) {
    if (parts.memory() == null) {
      ErrorReply.send(req, 409, "memory watching is off (memory.enabled: false)", false);
      return;
    }
    parts.memory().cleanup().onComplete(ar -> {
      if (ar.succeeded()) {
        AdminReplies.json(req, 200, ar.result());
      } else {
        ErrorReply.send(req, 409, ar.cause().getMessage(), false);
      }
    });
  }

  private void diagnostics(HttpServerRequest req) {
    if (parts.memory() == null) {
      ErrorReply.send(req, 404, "memory watching is off (memory.enabled: false)", false);
    } else {
      AdminReplies.json(req, 200, parts.memory().diagnosticsJson());
    }
  }

  private void diagnoseNow(HttpServerRequest req) {
    if (parts.memory() == null || parts.memory().diagnosticsJson().getValue("url") == null) {
      ErrorReply.send(req, 409, "no memory.diagnostics.url is configured, so there is no diagnostics endpoint to call",
          false);
      return;
    }
    parts.memory().diagnostics(dev.vigil.memory.diagnostics.Diagnostics.MANUAL)
        .onComplete(ar -> AdminReplies.json(req, 200, ar.result().toJson()));
  }

  private void requests(HttpServerRequest req) {
    String param = req.getParam("limit");
    int limit = MetricsViews.DEFAULT_REQUESTS_LIMIT;
    if (param != null) {
      try {
        limit = Integer.parseInt(param.trim());
      } catch (NumberFormatException e) {
        limit = -1;
      }
      if (limit < 0) {
        ErrorReply.send(req, 400, "limit must be a whole number of 0 or more", false);
        return;
      }
    }
    RequestMetrics metrics = parts.metrics();
    AdminReplies.json(req, 200, MetricsViews.requests(metrics.recent(limit), metrics.capacity()));
  }

  private void metrics(HttpServerRequest req) {
    // Rendering walks every meter: off the event loop.
    vertx.executeBlocking(parts.registry()::scrape, false).onComplete(ar -> {
      if (ar.succeeded()) {
        AdminReplies.text(req, 200, "text/plain; version=0.0.4; charset=utf-8", Buffer.buffer(ar.result()));
      } else {
        ErrorReply.send(req, 500, "metrics could not be rendered: " + ar.cause().getMessage(), false);
      }
    });
  }
}
