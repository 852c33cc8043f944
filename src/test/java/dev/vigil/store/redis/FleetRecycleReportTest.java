package dev.vigil.store.redis;

import static dev.vigil.store.redis.RedisTestSupport.await;
import static dev.vigil.store.redis.RedisTestSupport.connectedStore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.vigil.testing.RedisServerExtension;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code ?scope=fleet} shows each replica's last recycle (issue 14), on a real redis-server. */
@ExtendWith(VertxExtension.class)
class FleetRecycleReportTest {

  @RegisterExtension
  final RedisServerExtension redis = new RedisServerExtension();

  @Test
  void eachReplicasLastRecycleIsInTheFleetView(Vertx vertx) throws Exception {
    RedisStore store = connectedStore(vertx, redis.server(), null);
    FleetRegistry a = new FleetRegistry(store, "shop", "a", Duration.ofSeconds(30));
    FleetRegistry b = new FleetRegistry(store, "shop", "b", Duration.ofSeconds(30));
    JsonObject last = new JsonObject().put("t", "2026-12-07T14:02:00Z").put("path", "overlap").put("failed", 0);
    await(a.publish(new JsonObject().put("status", "healthy").put("issues", new JsonArray())
        .put("app", new JsonObject().put("recycles", new JsonObject().put("total", 1).put("last", last)))));
    await(b.publish(new JsonObject().put("status", "healthy").put("issues", new JsonArray())
        .put("app", new JsonObject().put("recycles", new JsonObject().put("total", 0).putNull("last")))));
    JsonArray replicas = await(a.fleet()).getJsonArray("replicas");
    assertEquals(last, replicas.getJsonObject(0).getJsonObject("last_recycle"));
    assertFalse(replicas.getJsonObject(1).containsKey("last_recycle"), "b never recycled");
  }
}
