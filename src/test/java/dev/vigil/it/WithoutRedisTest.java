package dev.vigil.it;

import static dev.vigil.it.ItSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.Sidecar;
import dev.vigil.it.ItSupport.Reply;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Without {@code redis.url}: Redis reads as disabled and the fleet is this replica alone. */
@Timeout(40)
class WithoutRedisTest {
  private Vertx vertx;
  private HttpServer upstream;
  private HttpClient client;
  private Sidecar sidecar;

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    upstream = ItSupport.upstream(vertx);
    client = ItSupport.client(vertx);
    Map<String, String> s = ItSupport.baseSettings(upstream.actualPort());
    s.put("app.instance", "solo");
    sidecar = ItSupport.startSidecar(vertx, s);
  }

  @AfterEach
  void tearDown() {
    ItSupport.stopQuietly(sidecar);
    await(client.close());
    await(vertx.close());
  }

  @Test
  void redisBlockReadsDisabled() {
    Reply health = ItSupport.getAwait(client, sidecar.proxyPort(), "/sidecar/health");
    assertEquals(200, health.status(), health.body());
    assertEquals(new JsonObject().put("enabled", false).put("connected", false).put("mode", "disabled"),
        health.json().getJsonObject("redis"), health.body());
  }

  @Test
  void fleetIsThisReplicaAlone() {
    Reply reply = ItSupport.getAwait(client, sidecar.proxyPort(), "/sidecar/health?scope=fleet");
    assertEquals(200, reply.status(), reply.body());
    JsonObject fleet = reply.json();
    JsonArray replicas = fleet.getJsonArray("replicas");
    assertEquals(1, replicas.size(), fleet.encode());
    JsonObject self = replicas.getJsonObject(0);
    assertEquals("solo", self.getString("instance"));
    assertEquals(fleet.getString("status"), self.getString("status"), "the fleet status is its only replica's");
    assertTrue(List.of("healthy", "degraded").contains(self.getString("status")), fleet.encode());
    assertTrue(self.getString("reported") != null, fleet.encode());
  }

  /**
   * CONTRACT.md "/sidecar/health JSON" lists these keys as required. Fails while the sidecar does not
   * register the proxy and memory blocks with its health aggregator (see Sidecar.registerHealth).
   */
  @Test
  void healthDocumentHasEveryBlockTheContractRequires() {
    JsonObject doc = ItSupport.getAwait(client, sidecar.proxyPort(), "/sidecar/health").json();
    List<String> missing = new ArrayList<>();
    for (String key : List.of("status", "timestamp", "uptime_s", "issues", "proxy", "upstream", "memory",
        "keepalive", "redis", "sidecar")) {
      if (!doc.containsKey(key)) {
        missing.add(key);
      }
    }
    assertEquals(List.of(), missing, "/sidecar/health lacks top-level keys the contract requires: "
        + missing + "; Sidecar.registerHealth() adds only upstream, keepalive, redis and sidecar. Document: "
        + doc.encode());
  }
}
