package dev.vigil.it;

import static dev.vigil.it.ItSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.Sidecar;
import dev.vigil.it.ItSupport.Reply;
import dev.vigil.testing.RedisServerExtension;
import dev.vigil.testing.RedisServerProcess;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.Timeout;

/** {@code GET /sidecar/health?scope=fleet} on either replica lists both, with the worst status on top. */
@Timeout(40)
class FleetHealthTest {
  private static final Duration BOUND = Duration.ofSeconds(10);

  private Vertx vertx;
  @RegisterExtension
  final RedisServerExtension redisServer = new RedisServerExtension();
  private RedisServerProcess redis;
  private HttpServer upstream;
  private HttpClient client;
  private Sidecar a;
  private Sidecar b;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    redis = redisServer.server();
    upstream = ItSupport.upstream(vertx);
    client = ItSupport.client(vertx);
  }

  private Map<String, String> settings(String instance, int upstreamPort) {
    Map<String, String> s = ItSupport.baseSettings(upstreamPort);
    s.put("app.instance", instance);
    s.put("redis.url", redis.url());
    s.put("redis.timeout", "2s");
    s.put("upstream.health.unhealthyAfter", "1");
    return s;
  }

  @AfterEach
  void tearDown() throws Exception {
    ItSupport.stopQuietly(a);
    ItSupport.stopQuietly(b);
    await(client.close());
    await(vertx.close());
  }

  @Test
  void bothHealthyReplicasAreListedOnEitherProxy() {
    a = ItSupport.startSidecar(vertx, settings("it-a", upstream.actualPort()));
    b = ItSupport.startSidecar(vertx, settings("it-b", upstream.actualPort()));
    assertTrue(RedisServerProcess.awaitCondition(BOUND,
        () -> "healthy".equals(a.health().report().getString("status"))
            && "healthy".equals(b.health().report().getString("status"))),
        "both replicas see their upstream: " + a.health().report().getJsonArray("issues")
            + " / " + b.health().report().getJsonArray("issues"));

    for (Sidecar via : new Sidecar[] {a, b}) {
      Reply reply = ItSupport.getAwait(client, via.proxyPort(), "/sidecar/health?scope=fleet");
      assertEquals(200, reply.status(), reply.body());
      JsonObject fleet = reply.json();
      Map<String, String> replicas = statuses(fleet);
      assertEquals(Map.of("it-a", "healthy", "it-b", "healthy"), replicas, fleet.encode());
      assertEquals("healthy", fleet.getString("status"));
      for (Object r : fleet.getJsonArray("replicas")) {
        assertTrue(((JsonObject) r).getString("reported") != null, "each replica says when it reported");
      }
    }
  }

  @Test
  void theWorstReplicaDecidesTheFleetStatus() throws IOException {
    a = ItSupport.startSidecar(vertx, settings("it-a", upstream.actualPort()));
    // b's app is not there: its upstream check fails at once, and one failure makes it unhealthy.
    b = ItSupport.startSidecar(vertx, settings("it-b", closedPort()));
    assertTrue(RedisServerProcess.awaitCondition(BOUND,
        () -> "unhealthy".equals(b.health().report().getString("status"))),
        "b is unhealthy without its app: " + b.health().report().encode());
    assertTrue(RedisServerProcess.awaitCondition(BOUND,
        () -> "healthy".equals(a.health().report().getString("status"))));

    // Asking b publishes b's fresh status; then either replica shows the same fleet.
    Reply viaB = ItSupport.getAwait(client, b.proxyPort(), "/sidecar/health?scope=fleet");
    Reply viaA = ItSupport.getAwait(client, a.proxyPort(), "/sidecar/health?scope=fleet");
    for (Reply reply : new Reply[] {viaB, viaA}) {
      assertEquals(503, reply.status(), "an unhealthy fleet answers 503 like an unhealthy replica: " + reply.body());
      JsonObject fleet = reply.json();
      assertEquals("unhealthy", fleet.getString("status"), "worst status on top: " + fleet.encode());
      assertEquals(Map.of("it-a", "healthy", "it-b", "unhealthy"), statuses(fleet), fleet.encode());
    }
  }

  private static Map<String, String> statuses(JsonObject fleet) {
    JsonArray replicas = fleet.getJsonArray("replicas");
    Map<String, String> out = new HashMap<>();
    for (Object r : replicas) {
      JsonObject replica = (JsonObject) r;
      out.put(replica.getString("instance"), replica.getString("status"));
    }
    assertEquals(replicas.size(), out.size(), "each instance listed once: " + fleet.encode());
    return out;
  }

  private static int closedPort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
