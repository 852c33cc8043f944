package dev.vigil.store.redis;

import static dev.vigil.store.redis.RedisTestSupport.TEST_TIMEOUT;
import static dev.vigil.store.redis.RedisTestSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.testing.RedisServerProcess;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class RedisStoreTest {
  @Test
  void usesPasswordAndDatabaseFromTheUrl(Vertx vertx) throws Exception {
    try (RedisServerProcess server = RedisServerProcess.start("--requirepass", "s3cret")) {
      String url = "redis://:s3cret@127.0.0.1:" + server.port() + "/3";
      RedisStore store = new RedisStore(vertx, url, TEST_TIMEOUT, "vigil-test:", null);
      await(store.start());
      assertTrue(store.connected());
      assertEquals(RedisStore.MODE_REDIS, store.mode());
      await(store.send("SET", store.key("probe"), "1"));
      assertEquals(3L, await(store.send("CLIENT", "INFO")).toString()
          .lines().flatMap(l -> java.util.Arrays.stream(l.split(" ")))
          .filter(f -> f.startsWith("db=")).map(f -> Long.parseLong(f.substring(3))).findFirst().orElse(-1L));
      await(store.stop());
    }
  }

  @Test
  void wrongPasswordKeepsFallbackWithoutFailingStart(Vertx vertx) throws Exception {
    try (RedisServerProcess server = RedisServerProcess.start("--requirepass", "s3cret")) {
      SimpleMeterRegistry registry = new SimpleMeterRegistry();
      RedisStore store = new RedisStore(vertx, "redis://:wrong@127.0.0.1:" + server.port(),
          TEST_TIMEOUT, "vigil-test:", registry);
      await(store.start());
      assertFalse(store.connected());
      assertEquals(RedisStore.MODE_FALLBACK, store.mode());
      assertEquals(0.0, registry.get("vigil.redis.up").gauge().value());
      ExecutionException e = assertThrows(ExecutionException.class,
          () -> await(store.send("PING")));
      assertInstanceOf(RedisUnavailableException.class, e.getCause(), "fails fast, nothing queued");
      assertFalse(e.getCause().getMessage().contains("wrong"), "password never shown");
      await(store.stop());
    }
  }

  @Test
  void rejectsBadSettingsWithTheKeyName(Vertx vertx) {
    IllegalArgumentException scheme = assertThrows(IllegalArgumentException.class,
        () -> new RedisStore(vertx, "http://localhost:6379", TEST_TIMEOUT, "v:", null));
    assertTrue(scheme.getMessage().contains("redis.url"), scheme.getMessage());
    IllegalArgumentException timeout = assertThrows(IllegalArgumentException.class,
        () -> new RedisStore(vertx, "redis://localhost", Duration.ZERO, "v:", null));
    assertTrue(timeout.getMessage().contains("redis.timeout"), timeout.getMessage());
    assertEquals("rediss://***@cache.example:6380/2",
        RedisStore.validateUrl("rediss://user:pw@cache.example:6380/2"));
  }
}
