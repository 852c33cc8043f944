package dev.vigil.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.proxy.PathNormalizer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Token rules and method handling of the admin routes, over real HTTP. */
class AdminRoutesTest {

  private static final String TOKEN = "s3cret-token-0123456789";

  private Vertx vertx;
  private HttpClient client;
  private final AtomicInteger actions = new AtomicInteger();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    client = vertx.createHttpClient();
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private int serve(AdminRoutes routes, boolean adminListener) throws Exception {
    HttpServer server = vertx.createHttpServer().requestHandler(req -> {
      String path = PathNormalizer.forMatching(req.path());
      routes.handle(req, path, adminListener);
    });
    return server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
  }

  private AdminRoutes routes(String token, boolean separateAdmin) {
    return new AdminRoutes("/sidecar/", token, separateAdmin)
        .get("health", req -> AdminReplies.json(req, 200, new JsonObject().put("ok", true)))
        .post("memory/cleanup", req -> {
          actions.incrementAndGet();
          AdminReplies.json(req, 200, new JsonObject().put("done", true));
        });
  }

  private Response call(int port, HttpMethod method, String path, String authorization) throws Exception {
    RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(path);
    if (authorization != null) {
      options.putHeader("authorization", authorization);
    }
    return client.request(options)
        .compose(req -> req.send().compose(resp -> resp.body().map(b -> new Response(resp.statusCode(),
            b.length() == 0 ? new JsonObject() : b.toJsonObject(), resp.getHeader("allow")))))
        .await(10, TimeUnit.SECONDS);
  }

  private record Response(int status, JsonObject body, String allow) {
  }

  @Test
  void postWithoutConfiguredTokenIsNotFound() throws Exception {
    int port = serve(routes(null, false), false);
    Response r = call(port, HttpMethod.POST, "/sidecar/memory/cleanup", "Bearer anything");
    assertEquals(404, r.status());
    assertEquals(404, r.body().getInteger("status"));
    assertEquals(0, actions.get());
  }

  @Test
  void wrongOrMissingTokenIsUnauthorized() throws Exception {
    int port = serve(routes(TOKEN, false), false);
    for (String auth : new String[] {null, "Bearer nope", "Basic " + TOKEN, "Bearer " + TOKEN + "x", "Bearer"}) {
      Response r = call(port, HttpMethod.POST, "/sidecar/memory/cleanup", auth);
      assertEquals(401, r.status(), "authorization " + auth);
      assertEquals(401, r.body().getInteger("status"));
    }
    assertEquals(0, actions.get());
    assertEquals(200, call(port, HttpMethod.POST, "/sidecar/memory/cleanup", "Bearer " + TOKEN).status());
    assertEquals(1, actions.get());
  }

  @Test
  void pathVariantsMeetTheSameChecks() throws Exception {
    int port = serve(routes(TOKEN, false), false);
    for (String path : new String[] {"//sidecar/memory/cleanup", "/%73idecar/memory/cleanup",
        "/sidecar%2Fmemory%2Fcleanup", "/x/../sidecar/memory/./cleanup", "/sidecar/memory//cleanup"}) {
      assertEquals(401, call(port, HttpMethod.POST, path, null).status(), path);
    }
    assertEquals(0, actions.get());
  }

  @Test
  void mutatingRoutesOnlyOnAdminListenerWhenOneIsConfigured() throws Exception {
    AdminRoutes routes = routes(TOKEN, true);
    int proxySide = serve(routes, false);
    int adminSide = serve(routes, true);
    assertEquals(404, call(proxySide, HttpMethod.POST, "/sidecar/memory/cleanup", "Bearer " + TOKEN).status());
    assertEquals(200, call(proxySide, HttpMethod.GET, "/sidecar/health", null).status());
    assertEquals(200, call(adminSide, HttpMethod.POST, "/sidecar/memory/cleanup", "Bearer " + TOKEN).status());
    assertEquals(1, actions.get());
  }

  @Test
  void wrongMethodIs405WithAllowAndUnknownPathIs404() throws Exception {
    int port = serve(routes(TOKEN, false), false);
    Response r = call(port, HttpMethod.DELETE, "/sidecar/health", null);
    assertEquals(405, r.status());
    assertTrue(r.allow().contains("GET"));
    assertEquals(404, call(port, HttpMethod.GET, "/sidecar/nope", null).status());
    assertEquals(200, call(port, HttpMethod.HEAD, "/sidecar/health", null).status());
  }
}
