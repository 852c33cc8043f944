package dev.vigil.store.redis;

import static dev.vigil.store.redis.RedisTestSupport.await;
import static dev.vigil.store.redis.RedisTestSupport.connectedStore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.testing.RedisServerExtension;
import dev.vigil.testing.RedisServerProcess;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

@ExtendWith(VertxExtension.class)
class FleetRegistryTest {
  @RegisterExtension
  final RedisServerExtension redis = new RedisServerExtension();

  private static JsonObject health(String status) {
    return new JsonObject().put("status", status).put("issues", new JsonArray().add("because"));
  }

  @Test
  void listsEveryLiveReplicaAndTheWorstStatus(Vertx vertx) throws Exception {
    FleetRegistry a = new FleetRegistry(connectedStore(vertx, redis.server(), null), "shop", "a", Duration.ofSeconds(30));
    FleetRegistry b = new FleetRegistry(connectedStore(vertx, redis.server(), null), "shop", "b", Duration.ofSeconds(30));
    FleetRegistry otherApp = new FleetRegistry(connectedStore(vertx, redis.server(), null), "blog", "x", Duration.ofSeconds(30));
    await(a.publish(health("healthy")));
    await(b.publish(health("degraded")));
    await(otherApp.publish(health("unhealthy")));

    JsonObject fleet = await(a.fleet());
    assertEquals("degraded", fleet.getString("status"));
    JsonArray replicas = fleet.getJsonArray("replicas");
    assertEquals(2, replicas.size(), fleet.encode());
    assertEquals("a", replicas.getJsonObject(0).getString("instance"));
    assertEquals("healthy", replicas.getJsonObject(0).getString("status"));
    assertEquals("b", replicas.getJsonObject(1).getString("instance"));
    assertEquals("degraded", replicas.getJsonObject(1).getString("status"));
    assertNotNull(Instant.parse(replicas.getJsonObject(1).getString("reported")));

    await(a.publish(health("unhealthy")));
    assertEquals("unhealthy", await(b.fleet()).getString("status"));
  }

  @Test
  void replicasThatStopReportingDropOutAfterTheirTtl(Vertx vertx) throws Exception {
    RedisStore store = connectedStore(vertx, redis.server(), null);
    FleetRegistry stays = new FleetRegistry(store, "shop", "stays", Duration.ofSeconds(30));
    FleetRegistry leaves = new FleetRegistry(store, "shop", "leaves", Duration.ofMillis(300));
    await(stays.publish(health("healthy")));
    await(leaves.publish(health("unhealthy")));
    assertEquals(2, await(stays.fleet()).getJsonArray("replicas").size());

    assertTrue(RedisServerProcess.awaitCondition(Duration.ofSeconds(5), () -> {
      try {
        return await(stays.fleet()).getJsonArray("replicas").size() == 1;
      } catch (Exception e) {
        return false;
      }
    }));
    assertEquals("healthy", await(stays.fleet()).getString("status"));
    // The next publish prunes the expired entry from the hash too.
    await(stays.publish(health("healthy")));
    assertEquals(1L, await(store.send("HLEN", store.key("fleet:shop"))).toLong());
  }

  @Test
  void emptyFleetIsUnhealthy(Vertx vertx) throws Exception {
    FleetRegistry a = new FleetRegistry(connectedStore(vertx, redis.server(), null), "shop", "a", Duration.ofSeconds(30));
    JsonObject fleet = await(a.fleet());
    assertEquals("unhealthy", fleet.getString("status"));
    assertTrue(fleet.getJsonArray("replicas").isEmpty());
  }
}
