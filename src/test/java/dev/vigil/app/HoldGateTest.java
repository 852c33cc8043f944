package dev.vigil.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The hold gate on real event loops: order, the timeout, cancelling, and a flood past its bound. */
class HoldGateTest {

  final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  /** Runs {@code task} on {@code ctx}'s event loop and returns its result. */
  static <T> T on(Context ctx, Callable<T> task) throws Exception {
    CompletableFuture<T> f = new CompletableFuture<>();
    ctx.runOnContext(v -> {
      try {
        f.complete(task.call());
      } catch (Throwable t) {
        f.completeExceptionally(t);
      }
    });
    return f.get(10, TimeUnit.SECONDS);
  }

  static HoldRejectedException rejection(HoldGate.Hold h) throws Exception {
    CompletableFuture<Throwable> f = new CompletableFuture<>();
    h.future().onComplete(ar -> f.complete(ar.cause()));
    Throwable t = f.get(10, TimeUnit.SECONDS);
    return assertInstanceOf(HoldRejectedException.class, t);
  }

  @Test
  void heldRequestsGoThroughInArrivalOrderWhenTheGateOpens() throws Exception {
    HoldGate gate = new HoldGate(vertx, 100, Duration.ofSeconds(30));
    Context ctx = vertx.getOrCreateContext();
    List<Integer> released = new CopyOnWriteArrayList<>();
    on(ctx, () -> {
      for (int i = 0; i < 20; i++) {
        int n = i;
        gate.enter().future().onSuccess(v -> released.add(n));
      }
      return null;
    });
    assertEquals(20, gate.held());
    assertEquals(List.of(), released, "nothing passes while closed");

    gate.open(); // from a test thread: each lane is drained on its own event loop
    waitUntil(() -> released.size() == 20);
    assertEquals(java.util.stream.IntStream.range(0, 20).boxed().toList(), released);
    assertEquals(0, gate.held());
    assertEquals(20, gate.waitedTotal());
    assertEquals(0, gate.failedTotal());
    assertTrue(on(ctx, () -> gate.enter().future().succeeded()), "an open gate lets a request through at once");
  }

  @Test
  void requestsOnEveryEventLoopAreReleased() throws Exception {
    HoldGate gate = new HoldGate(vertx, 100, Duration.ofSeconds(30));
    Context a = vertx.getOrCreateContext();
    Context b = vertx.getOrCreateContext();
    List<String> released = new CopyOnWriteArrayList<>();
    on(a, () -> gate.enter().future().onSuccess(v -> released.add("a")));
    on(b, () -> gate.enter().future().onSuccess(v -> released.add("b")));
    assertEquals(2, gate.held());
    gate.open();
    waitUntil(() -> released.size() == 2);
    assertEquals(0, gate.held());
  }

  @Test
  void aRequestWaitsAtMostTheTimeoutThenIsRefusedWithRetryAfter() throws Exception {
    HoldGate gate = new HoldGate(vertx, 10, Duration.ofMillis(300), Duration.ofSeconds(7));
    Context ctx = vertx.getOrCreateContext();
    long t0 = System.nanoTime();
    HoldGate.Hold h = on(ctx, gate::enter);
    HoldRejectedException e = rejection(h);
    long waitedMs = (System.nanoTime() - t0) / 1_000_000;
    assertEquals(HoldRejectedException.Reason.TIMEOUT, e.reason());
    assertTrue(waitedMs >= 290 && waitedMs < 5_000, "waited " + waitedMs + " ms");
    assertTrue(e.getMessage().contains("app.hold.timeout"), e.getMessage());
    assertEquals(7, e.retryAfterSeconds());
    assertEquals(0, gate.held());
    assertEquals(1, gate.failedTotal());
  }

  @Test
  void aFloodPastTheBoundIsRefusedAtOnceAndMemoryStaysFlat() throws Exception {
    HoldGate gate = new HoldGate(vertx, 50, Duration.ofSeconds(30));
    Context ctx = vertx.getOrCreateContext();
    on(ctx, () -> {
      for (int i = 0; i < 50; i++) {
        gate.enter();
      }
      return null;
    });
    assertEquals(50, gate.held());
    long before = usedHeapAfterGc();
    int refusedAtOnce = on(ctx, () -> {
      int n = 0;
      for (int i = 0; i < 300_000; i++) {
        HoldGate.Hold h = gate.enter();
        if (h.future().failed() && ((HoldRejectedException) h.future().cause()).reason()
            == HoldRejectedException.Reason.FULL) {
          n++;
        }
      }
      return n;
    });
    long grown = usedHeapAfterGc() - before;
    assertEquals(300_000, refusedAtOnce, "every request past app.hold.maxRequests is refused synchronously");
    assertEquals(50, gate.held(), "the waiting set did not grow");
    assertTrue(grown < 8L << 20, "heap grew by " + grown / 1024 + " KiB after 300000 refusals");
    assertEquals(300_000, gate.failedTotal());
    assertEquals(50, gate.waitedTotal());
  }

  @Test
  void aCancelledRequestFreesItsPlace() throws Exception {
    HoldGate gate = new HoldGate(vertx, 1, Duration.ofSeconds(30));
    Context ctx = vertx.getOrCreateContext();
    HoldGate.Hold first = on(ctx, gate::enter);
    assertTrue(on(ctx, () -> gate.enter().future().failed()), "the one place is taken");
    on(ctx, () -> {
      first.cancel();
      return null;
    });
    assertEquals(HoldRejectedException.Reason.CANCELLED, rejection(first).reason());
    assertEquals(0, gate.held());
    HoldGate.Hold second = on(ctx, gate::enter);
    assertFalse(second.future().isComplete(), "the freed place is used");
    gate.open();
    waitUntil(() -> second.future().succeeded());
  }

  @Test
  void enterOutsideAnEventLoopIsAProgrammingError() {
    HoldGate gate = new HoldGate(vertx, 1, Duration.ofSeconds(1));
    assertThrows(IllegalStateException.class, gate::enter);
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    long best = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      best = Math.min(best, rt.totalMemory() - rt.freeMemory());
    }
    return best;
  }

  private static void waitUntil(java.util.function.BooleanSupplier cond) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("condition not met within 10 s");
      }
      Thread.sleep(10);
    }
  }
}
