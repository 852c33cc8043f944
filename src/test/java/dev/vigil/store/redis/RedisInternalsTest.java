package dev.vigil.store.redis;

import static dev.vigil.store.redis.RedisTestSupport.await;
import static dev.vigil.store.redis.RedisTestSupport.connectedStore;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.testing.RedisServerExtension;
import dev.vigil.testing.RedisServerProcess;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.impl.PooledRedisConnection;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import io.vertx.junit5.VertxExtension;

/**
 * Guards {@link RedisStore#forceClose}, Vigil's one use of the Redis client's internal classes:
 * if a Vert.x upgrade stops handing out {@code PooledRedisConnection} or its
 * {@code actual().forceClose()} no longer drops the socket, this fails with a message naming it.
 */
@ExtendWith(VertxExtension.class)
class RedisInternalsTest {
  @RegisterExtension
  final RedisServerExtension redis = new RedisServerExtension();

  @Test
  void forceCloseDropsThePooledConnectionsSocket(Vertx vertx) throws Exception {
    RedisStore observer = connectedStore(vertx, redis.server(), null);
    Redis client = Redis.createClient(vertx, new RedisOptions().setConnectionString(redis.server().url())
        .setMaxPoolSize(1));
    RedisConnection conn = await(client.connect());
    assertInstanceOf(PooledRedisConnection.class, conn, "Vert.x upgrade: Redis.connect() no longer returns "
        + "io.vertx.redis.client.impl.PooledRedisConnection; revisit RedisStore.forceClose");
    assertTrue(RedisServerProcess.awaitCondition(Duration.ofSeconds(5), () -> connectedClients(observer) == 2));

    RedisStore.forceClose(conn);
    assertTrue(RedisServerProcess.awaitCondition(Duration.ofSeconds(5), () -> connectedClients(observer) == 1),
        "Vert.x upgrade: PooledRedisConnection.actual().forceClose() no longer closes the socket "
            + "(connected_clients " + connectedClients(observer) + "); revisit RedisStore.forceClose");
    await(client.close());
    await(observer.stop());
  }

  private static long connectedClients(RedisStore store) {
    try {
      for (String line : await(store.send("INFO", "clients")).text().split("\r?\n")) {
        if (line.startsWith("connected_clients:")) {
          return Long.parseLong(line.substring("connected_clients:".length()).trim());
        }
      }
    } catch (Exception e) {
      return -1;
    }
    return -1;
  }
}
