package dev.vigil.store.redis;

import static dev.vigil.store.redis.RedisTestSupport.await;
import static dev.vigil.store.redis.RedisTestSupport.connectedStore;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.testing.RedisServerExtension;
import dev.vigil.testing.RedisServerProcess;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;

@ExtendWith(VertxExtension.class)
class LeaderLockTest {
  @RegisterExtension
  final RedisServerExtension redis = new RedisServerExtension();

  @Test
  void onlyOneReplicaHoldsTheLeaseAndReleaseHandsItOver(Vertx vertx) throws Exception {
    LeaderLock a = new LeaderLock(connectedStore(vertx, redis.server(), null), "shop", "a", Duration.ofSeconds(30));
    LeaderLock b = new LeaderLock(connectedStore(vertx, redis.server(), null), "shop", "b", Duration.ofSeconds(30));

    assertTrue(await(a.tryAcquireOrRenew()));
    assertFalse(await(b.tryAcquireOrRenew()));
    assertTrue(await(a.tryAcquireOrRenew()), "the holder renews");
    assertTrue(a.held());

    await(b.release());
    assertFalse(await(b.tryAcquireOrRenew()), "a non-holder's release does not free the lease");

    await(a.release());
    assertTrue(await(b.tryAcquireOrRenew()));
    assertFalse(await(a.tryAcquireOrRenew()));
  }

  @Test
  void leaseMovesOnWhenTheHolderStopsRenewing(Vertx vertx) throws Exception {
    LeaderLock a = new LeaderLock(connectedStore(vertx, redis.server(), null), "shop", "a", Duration.ofMillis(300));
    LeaderLock b = new LeaderLock(connectedStore(vertx, redis.server(), null), "shop", "b", Duration.ofMillis(300));
    assertTrue(await(a.tryAcquireOrRenew()));
    assertFalse(await(b.tryAcquireOrRenew()));
    // a goes silent; b polls as its renew timer would.
    assertTrue(RedisServerProcess.awaitCondition(Duration.ofSeconds(5), () -> {
      try {
        return await(b.tryAcquireOrRenew());
      } catch (Exception e) {
        return false;
      }
    }));
    assertFalse(await(a.tryAcquireOrRenew()));
  }

  @Test
  void answersFalseWithoutFailingWhenRedisIsDown(Vertx vertx) throws Exception {
    RedisStore store = connectedStore(vertx, redis.server(), null);
    LeaderLock a = new LeaderLock(store, "shop", "a", Duration.ofSeconds(30));
    redis.server().kill();
    assertTrue(RedisServerProcess.awaitCondition(Duration.ofSeconds(5), () -> !store.connected()));
    assertFalse(await(a.tryAcquireOrRenew()));
    await(a.release());
  }
}
