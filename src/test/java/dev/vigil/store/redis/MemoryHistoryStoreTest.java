package dev.vigil.store.redis;

import static dev.vigil.store.redis.RedisTestSupport.await;
import static dev.vigil.store.redis.RedisTestSupport.connectedStore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.testing.RedisServerExtension;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

@ExtendWith(VertxExtension.class)
class MemoryHistoryStoreTest {
  @RegisterExtension
  final RedisServerExtension redis = new RedisServerExtension();

  @Test
  void historySurvivesANewStoreAndStaysCapped(Vertx vertx) throws Exception {
    RedisStore first = connectedStore(vertx, redis.server(), null);
    MemoryHistoryStore writer = new MemoryHistoryStore(first, "shop:pod-1", 5);
    Instant t0 = Instant.parse("2026-11-22T10:00:00Z");
    for (int i = 0; i < 8; i++) {
      await(writer.append(t0.plusSeconds(30L * i), 100.0 + i + 0.25));
    }
    await(first.stop());

    // A restarted sidecar: new connection, new objects, same Redis.
    MemoryHistoryStore reader = new MemoryHistoryStore(connectedStore(vertx, redis.server(), null), "shop:pod-1", 5);
    List<MemoryHistoryStore.Sample> samples = await(reader.load());
    assertEquals(5, samples.size());
    for (int i = 0; i < 5; i++) {
      assertEquals(t0.plusSeconds(30L * (i + 3)).toEpochMilli(), samples.get(i).epochMillis());
      assertEquals(103.25 + i, samples.get(i).rssMiB());
    }
  }

  @Test
  void emptyHistoryLoadsAsEmptyList(Vertx vertx) throws Exception {
    MemoryHistoryStore store = new MemoryHistoryStore(connectedStore(vertx, redis.server(), null), "none", 720);
    assertTrue(await(store.load()).isEmpty());
  }
}
