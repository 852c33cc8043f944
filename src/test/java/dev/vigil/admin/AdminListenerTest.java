package dev.vigil.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.vigil.Sidecar;
import dev.vigil.testing.TestUpstream;
import dev.vigil.testing.Vigils;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** With admin.port set, POST actions live on the admin listener only; reads work on both. */
class AdminListenerTest {

  private static final String TOKEN = "an-admin-token-of-sufficient-length";

  @Test
  void mutatingActionsOnlyOnTheAdminListener() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      TestUpstream app = new TestUpstream(vertx);
      Sidecar sidecar = Vigils.start(vertx, app.url(), Map.of("admin.port", "0", "admin.token", TOKEN,
          "memory.enabled", "true", "memory.poll.interval", "1s",
          "memory.cleanup.url", app.url() + "/api/cleanup"));
      HttpClient client = vertx.createHttpClient();
      assertEquals(404, status(client, sidecar.proxyPort(), HttpMethod.POST, "/sidecar/memory/cleanup", TOKEN));
      assertEquals(401, status(client, sidecar.adminPort(), HttpMethod.POST, "/sidecar/memory/cleanup", "wrong"));
      assertEquals(200, status(client, sidecar.adminPort(), HttpMethod.POST, "/sidecar/memory/cleanup", TOKEN));
      assertEquals(200, status(client, sidecar.proxyPort(), HttpMethod.GET, "/sidecar/health/live", null));
      assertEquals(200, status(client, sidecar.adminPort(), HttpMethod.GET, "/sidecar/health/live", null));
      assertEquals(404, status(client, sidecar.adminPort(), HttpMethod.GET, "/api/anything", null),
          "the admin listener never proxies");
      assertEquals(1, app.seen().stream().filter(s -> s.uri().equals("/api/cleanup")).count(),
          "the app's cleanup endpoint was called once");
      sidecar.stop().await(20, TimeUnit.SECONDS);
    } finally {
      vertx.close().await(20, TimeUnit.SECONDS);
    }
  }

  private static int status(HttpClient client, int port, HttpMethod method, String path, String token)
      throws Exception {
    RequestOptions o = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(port).setURI(path);
    if (token != null) {
      o.putHeader("authorization", "Bearer " + token);
    }
    return client.request(o).compose(r -> r.send().compose(resp -> resp.body().map(b -> resp.statusCode())))
        .await(10, TimeUnit.SECONDS);
  }
}
