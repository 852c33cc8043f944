package dev.vigil;

import dev.vigil.admin.AdminReplies;
import dev.vigil.admin.AdminRoutes;
import dev.vigil.config.VigilConfig;
import dev.vigil.health.Readiness;
import dev.vigil.health.UpstreamProbe;
import dev.vigil.proxy.Admission;
import dev.vigil.proxy.ExchangeObserver;
import dev.vigil.proxy.ProxyRuntime;
import dev.vigil.proxy.ProxyVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Wires the concerns together and owns their lifecycle: start everything, and on shutdown turn
 * readiness off, drain the proxy listener, then stop the rest.
 */
public final class Sidecar {

  private final VigilConfig config;
  private final Clock clock;
  private final Readiness readiness = new Readiness();
  private final List<ProxyVerticle> proxies = new CopyOnWriteArrayList<>();
  private Vertx vertx;
  private UpstreamProbe probe;
  private String proxyDeployment;
  private HttpServer adminServer;

  public Sidecar(VigilConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
  }

  /** Starts every part; the returned future fails when a listener cannot bind. */
  public Future<Void> start(Vertx vertx) {
    this.vertx = vertx;
    var up = config.upstream();
    probe = new UpstreamProbe(vertx, up.resolve(up.health().path()), up.health().interval(), up.health().timeout(),
        up.health().unhealthyAfter(), clock);
    readiness.require("upstream", probe::reachable, "the app does not answer at " + probe.url());

    AdminRoutes admin = adminRoutes();
    ProxyRuntime runtime = new ProxyRuntime(() -> ExchangeObserver.NONE, admin, () -> false, Admission.ALLOW_ALL);
    int loops = eventLoops();
    return probe.start()
        .compose(v -> vertx.deployVerticle(() -> {
          ProxyVerticle p = new ProxyVerticle(config, runtime, loops);
          proxies.add(p);
          return p;
        }, new DeploymentOptions().setInstances(loops)))
        .compose(id -> {
          proxyDeployment = id;
          return startAdminListener(admin);
        });
  }

  private Future<Void> startAdminListener(AdminRoutes admin) {
    Integer port = config.admin().port();
    if (port == null) {
      return Future.succeededFuture();
    }
    adminServer = vertx.createHttpServer()
        .requestHandler(request -> {
          String path = dev.vigil.proxy.PathNormalizer.forMatching(request.path());
          if (path != null && dev.vigil.proxy.PathNormalizer.isUnder(path, config.admin().prefix())) {
            admin.handle(request, path, true);
          } else {
            dev.vigil.proxy.ErrorReply.send(request, 404, "the admin listener serves only "
                + config.admin().prefix(), false);
          }
        });
    return adminServer.listen(port, config.listen().host()).mapEmpty();
  }

  private AdminRoutes adminRoutes() {
    return new AdminRoutes(config.admin().prefix(), config.admin().token(), config.admin().port() != null)
        .get("health/live", req -> AdminReplies.json(req, 200, new JsonObject().put("status", "UP")))
        .get("health/ready", req -> {
          boolean ready = readiness.ready();
          JsonObject body = new JsonObject().put("status", ready ? "UP" : "DOWN");
          if (!ready) {
            body.put("reasons", new JsonArray(readiness.reasons()));
          }
          AdminReplies.json(req, ready ? 200 : 503, body);
        });
  }

  /**
   * Graceful shutdown: readiness 503 at once, the listener stops accepting, in-flight requests get
   * up to {@code lifecycle.drainTimeout} to finish, then everything else stops.
   */
  public Future<Void> stop() {
    readiness.startDrain();
    Future<Void> drained = proxyDeployment == null ? Future.succeededFuture() : vertx.undeploy(proxyDeployment);
    return drained
        .eventually(() -> adminServer == null ? Future.succeededFuture() : adminServer.close())
        .eventually(() -> probe == null ? Future.succeededFuture() : probe.stop());
  }

  /** The proxy listener's bound port (differs from the configured one when that is 0). */
  public int proxyPort() {
    return proxies.isEmpty() ? -1 : proxies.get(0).actualPort();
  }

  /** The admin listener's bound port, or -1 without one. */
  public int adminPort() {
    return adminServer == null ? -1 : adminServer.actualPort();
  }

  public Readiness readiness() {
    return readiness;
  }

  static int eventLoops() {
    return Math.max(1, Runtime.getRuntime().availableProcessors());
  }
}
