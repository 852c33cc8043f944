package dev.vigil.store.redis;

import static dev.vigil.store.redis.RedisTestSupport.await;
import static dev.vigil.store.redis.RedisTestSupport.connectedStore;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.store.redis.RecycleLease.Outcome;
import dev.vigil.testing.RedisServerExtension;
import dev.vigil.testing.RedisServerProcess;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The fleet's recycle lease on a real redis-server. */
@ExtendWith(VertxExtension.class)
class RecycleLeaseTest {

  @RegisterExtension
  final RedisServerExtension redis = new RedisServerExtension();

  @Test
  void atMostMaxConcurrentReplicasHoldASlotAndReleaseFreesOne(Vertx vertx) throws Exception {
    RedisStore store = connectedStore(vertx, redis.server(), null);
    RecycleLease a = new RecycleLease(store, "shop", "a", 2, Duration.ofSeconds(30));
    RecycleLease b = new RecycleLease(store, "shop", "b", 2, Duration.ofSeconds(30));
    RecycleLease c = new RecycleLease(store, "shop", "c", 2, Duration.ofSeconds(30));
    RecycleLease otherApp = new RecycleLease(store, "cart", "c", 2, Duration.ofSeconds(30));
    assertEquals(Outcome.ACQUIRED, await(a.tryAcquire()));
    assertEquals(Outcome.ACQUIRED, await(b.tryAcquire()));
    assertEquals(Outcome.BUSY, await(c.tryAcquire()), "two of two slots taken");
    assertEquals(Outcome.ACQUIRED, await(a.tryAcquire()), "a holder renews");
    assertEquals(Outcome.ACQUIRED, await(otherApp.tryAcquire()), "another app.name has its own slots");
    await(c.release());
    assertEquals(Outcome.BUSY, await(c.tryAcquire()), "a non-holder's release frees nothing");
    await(b.release());
    assertEquals(Outcome.ACQUIRED, await(c.tryAcquire()));
  }

  @Test
  void aHolderKilledWithSigkillBlocksOthersNoLongerThanTheTtl(Vertx vertx) throws Exception {
    long ttlMs = 1500;
    String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin",
        "java").toString());
    Process holder = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
        LeaseHolderMain.class.getName(), redis.server().url(), "shop", "doomed", Long.toString(ttlMs)))
        .redirectErrorStream(true).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream()));
      String line;
      while ((line = out.readLine()) != null && !line.equals("held")) {
        // skip the child's log lines
      }
      assertEquals("held", line, "the holder process took the lease");
      RecycleLease mine = new RecycleLease(connectedStore(vertx, redis.server(), null), "shop", "survivor", 1,
          Duration.ofMillis(ttlMs));
      // Past several renewals of the holder: still its slot.
      long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2 * ttlMs);
      while (System.nanoTime() < until) {
        assertEquals(Outcome.BUSY, await(mine.tryAcquire()), "the live holder keeps renewing");
        Thread.sleep(100);
      }
      holder.destroyForcibly(); // SIGKILL: no release
      assertTrue(holder.waitFor(10, TimeUnit.SECONDS));
      long killed = System.nanoTime();
      assertTrue(RedisServerProcess.awaitCondition(Duration.ofSeconds(10), () -> {
        try {
          return await(mine.tryAcquire()) == Outcome.ACQUIRED;
        } catch (Exception e) {
          return false;
        }
      }));
      long waitedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
      assertTrue(waitedMs <= ttlMs + 500, "the slot came free " + waitedMs + " ms after the kill (ttl " + ttlMs + ")");
    } finally {
      holder.destroyForcibly();
    }
  }

  @Test
  void withoutRedisOrWithRedisDownEachReplicaDecidesAlone(Vertx vertx) throws Exception {
    assertEquals(Outcome.ALONE, await(new RecycleLease(null, "shop", "a", 1, Duration.ofSeconds(5)).tryAcquire()));
    RedisStore store = connectedStore(vertx, redis.server(), null);
    RecycleLease a = new RecycleLease(store, "shop", "a", 1, Duration.ofSeconds(30));
    RecycleLease b = new RecycleLease(store, "shop", "b", 1, Duration.ofSeconds(30));
    assertEquals(Outcome.ACQUIRED, await(a.tryAcquire()));
    redis.server().kill();
    assertTrue(RedisServerProcess.awaitCondition(Duration.ofSeconds(5), () -> !store.connected()));
    assertEquals(Outcome.ALONE, await(b.tryAcquire()));
    await(b.release());
  }
}
