package dev.vigil.proxy;

import dev.vigil.Sidecar;
import dev.vigil.testing.RawHttp;
import dev.vigil.testing.TestUpstream;
import dev.vigil.testing.Vigils;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** A real app and a real sidecar in front of it, on random ports, per test. */
abstract class ProxyTestBase {

  Vertx vertx;
  TestUpstream app;
  Sidecar sidecar;
  int port;

  @BeforeEach
  void startApp() throws Exception {
    vertx = Vertx.vertx();
    app = new TestUpstream(vertx);
  }

  @AfterEach
  void stopAll() throws Exception {
    if (sidecar != null) {
      sidecar.stop().await(30, TimeUnit.SECONDS);
    }
    vertx.close().await(30, TimeUnit.SECONDS);
  }

  /** {@code upstream.engine} for this class's sidecars; null = the default. */
  String engine() {
    return null;
  }

  void startVigil(Map<String, String> settings) throws Exception {
    if (engine() != null) {
      settings = new java.util.HashMap<>(settings);
      settings.put("upstream.engine", engine());
    }
    sidecar = Vigils.start(vertx, app.url(), settings);
    port = sidecar.proxyPort();
  }

  RawHttp raw() throws Exception {
    return new RawHttp(port);
  }

  /** Vigil's own answers: JSON {"error": ..., "status": N}. */
  static void assertJsonError(RawHttp.Response r, int status) {
    org.junit.jupiter.api.Assertions.assertEquals(status, r.status(), r.toString());
    org.junit.jupiter.api.Assertions.assertTrue(r.headers().getOrDefault("content-type", "").startsWith("application/json"),
        r.toString());
    JsonObject body = new JsonObject(r.body());
    org.junit.jupiter.api.Assertions.assertEquals(status, body.getInteger("status"));
    org.junit.jupiter.api.Assertions.assertFalse(body.getString("error").isBlank());
  }
}
