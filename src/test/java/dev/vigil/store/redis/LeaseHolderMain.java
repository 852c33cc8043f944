package dev.vigil.store.redis;

import io.vertx.core.Vertx;
import java.time.Duration;

/**
 * A separate process that takes a recycle lease and renews it until killed: the test kills it with
 * SIGKILL, so it never releases. Args: redis URL, app name, instance, ttl in ms. Prints "held".
 */
public final class LeaseHolderMain {

  public static void main(String[] args) throws Exception {
    Vertx vertx = Vertx.vertx();
    RedisStore store = new RedisStore(vertx, args[0], Duration.ofMillis(500), "vigil-test:", null,
        Duration.ofMillis(250));
    store.start().await();
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!store.connected() && System.nanoTime() < end) {
      Thread.sleep(20);
    }
    long ttl = Long.parseLong(args[3]);
    RecycleLease lease = new RecycleLease(store, args[1], args[2], 1, Duration.ofMillis(ttl));
    if (lease.tryAcquire().await() != RecycleLease.Outcome.ACQUIRED) {
      System.out.println("busy");
      System.exit(3);
    }
    System.out.println("held");
    System.out.flush();
    vertx.setPeriodic(Math.max(1, ttl / 3), id -> lease.tryAcquire());
  }
}
