package dev.vigil.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.Sidecar;
import dev.vigil.testing.RedisServerExtension;
import dev.vigil.testing.RedisServerProcess;
import dev.vigil.testing.TestUpstream;
import dev.vigil.testing.Vigils;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two Vigil replicas of one app against a real redis-server: one shared rate limit, one keep-alive
 * leader that hands over when it stops, and a fleet view listing both.
 */
class FleetRedisTest {

  private Vertx vertx;
  @RegisterExtension
  final RedisServerExtension redisServer = new RedisServerExtension();
  private RedisServerProcess redis;
  private TestUpstream app;
  private final List<Sidecar> sidecars = new ArrayList<>();
  private HttpClient client;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    redis = redisServer.server();
    app = new TestUpstream(vertx);
    client = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(4));
  }

  @AfterEach
  void tearDown() throws Exception {
    for (Sidecar s : sidecars) {
      s.stop().await(20, TimeUnit.SECONDS);
    }
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  private Sidecar replica(String instance, Map<String, String> extra) throws Exception {
    Map<String, String> o = new HashMap<>(Map.of("redis.url", redis.url(), "redis.timeout", "300ms",
        "app.name", "shop", "app.instance", instance));
    o.putAll(extra);
    Sidecar s = Vigils.start(vertx, app.url(), o);
    sidecars.add(s);
    return s;
  }

  private record Answer(int status, String retryAfter, String body) {
  }

  private Answer get(int port, String path) throws Exception {
    return client.request(HttpMethod.GET, port, "127.0.0.1", path)
        .compose(r -> r.send().compose(resp -> resp.body().map(b ->
            new Answer(resp.statusCode(), resp.getHeader("retry-after"), b.toString()))))
        .await(10, TimeUnit.SECONDS);
  }

  @Test
  void twoReplicasShareOneRateLimit() throws Exception {
    Map<String, String> limit = Map.of("ratelimit.enabled", "true", "ratelimit.rate", "1/h", "ratelimit.burst", "10");
    Sidecar a = replica("a", limit);
    Sidecar b = replica("b", limit);
    int ok = 0;
    int limited = 0;
    for (int i = 0; i < 40; i++) {
      Answer r = get((i % 2 == 0 ? a : b).proxyPort(), "/item/" + i);
      if (r.status() == 200) {
        ok++;
      } else {
        assertEquals(429, r.status());
        assertTrue(Long.parseLong(r.retryAfter()) >= 1);
        assertEquals(429, new JsonObject(r.body()).getInteger("status"));
        limited++;
      }
    }
    assertEquals(10, ok, "one burst of 10 for the whole fleet");
    assertEquals(30, limited);
    assertEquals("redis", a.health().report().getJsonObject("redis").getString("mode"));
  }

  @Test
  void keepAliveLeaderMovesWhenTheLeaderStops() throws Exception {
    Map<String, String> ka = Map.of("keepalive.enabled", "true", "keepalive.windows", "",
        "keepalive.defaultInterval", "150ms", "keepalive.jitter", "0", "keepalive.target", app.url() + "/api/health");
    Sidecar a = replica("a", ka);
    Sidecar b = replica("b", ka);
    assertTrue(RedisServerProcess.awaitCondition(Duration.ofSeconds(15),
        () -> pings(a) + pings(b) >= 4 && notLeader(a) + notLeader(b) >= 2), "pings happen");
    long aPings = pings(a);
    long bPings = pings(b);
    assertTrue(aPings == 0 || bPings == 0, "only one replica pings: a=" + aPings + " b=" + bPings);
    Sidecar leader = aPings > 0 ? a : b;
    Sidecar follower = leader == a ? b : a;
    leader.stop().await(20, TimeUnit.SECONDS);
    sidecars.remove(leader);
    long before = pings(follower);
    assertTrue(RedisServerProcess.awaitCondition(Duration.ofSeconds(15), () -> pings(follower) >= before + 2),
        "the follower took over");
    assertTrue(follower.health().report().getJsonObject("redis").getBoolean("keepalive_leader"));
  }

  @Test
  void fleetHealthListsBothReplicasWithTheWorstStatus() throws Exception {
    Sidecar a = replica("a", Map.of());
    replica("b", Map.of());
    Answer r = null;
    long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
    while (System.nanoTime() < deadline) {
      r = get(a.proxyPort(), "/sidecar/health?scope=fleet");
      if (new JsonObject(r.body()).getJsonArray("replicas", new JsonArray()).size() == 2) {
        break;
      }
      Thread.sleep(100); // test thread, bounded by the deadline
    }
    JsonObject fleet = new JsonObject(r.body());
    JsonArray replicas = fleet.getJsonArray("replicas");
    assertEquals(2, replicas.size(), fleet.encodePrettily());
    List<String> names = new ArrayList<>();
    for (int i = 0; i < replicas.size(); i++) {
      JsonObject one = replicas.getJsonObject(i);
      names.add(one.getString("instance"));
      assertTrue(one.containsKey("status") && one.containsKey("reported"));
    }
    assertTrue(names.containsAll(List.of("a", "b")), names.toString());
    assertTrue(List.of("healthy", "degraded", "unhealthy").contains(fleet.getString("status")));
  }

  private static long pings(Sidecar s) {
    return s.health().report().getJsonObject("keepalive").getLong("pings_total");
  }

  private static long notLeader(Sidecar s) {
    return s.health().report().getJsonObject("keepalive").getLong("not_leader_total", 0L);
  }

}
