package dev.vigil.store.redis;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.testing.RedisServerProcess;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Helpers for tests against a real redis-server; all of them block the calling test thread only. */
public final class RedisTestSupport {
  /** Short bound used by tests so faults are detected quickly. */
  public static final Duration TEST_TIMEOUT = Duration.ofMillis(200);

  private RedisTestSupport() {
  }

  /** Starts a store on {@code server} and waits until it is connected. */
  public static RedisStore connectedStore(Vertx vertx, RedisServerProcess server,
      MeterRegistry registryOrNull) throws Exception {
    RedisStore store = new RedisStore(vertx, server.url(), TEST_TIMEOUT, "vigil-test:",
        registryOrNull, Duration.ofMillis(250));
    await(store.start());
    assertTrue(RedisServerProcess.awaitCondition(Duration.ofSeconds(10), store::connected),
        "store did not connect to " + server.url());
    return store;
  }

  /** Waits (10 s at most) for a future's value, rethrowing its failure. */
  public static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }
}
