package dev.vigil.app;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Holds requests while the app is not up ({@code app.hold.*}): they wait in a bounded queue and are
 * let through, in arrival order, when the gate opens.
 *
 * <p>Usage, in a request handler on an event loop:
 * <pre>{@code
 * HoldGate.Hold hold = gate.enter();
 * request.connection().closeHandler(v -> hold.cancel());
 * hold.future().onSuccess(v -> forward(request))
 *     .onFailure(err -> reply503((HoldRejectedException) err)); // Retry-After: err.retryAfterSeconds()
 * }</pre>
 * and {@link #open()} when the app answers its health path, {@link #close()} when it dies.
 *
 * <p>Bounds: at most {@code maxRequests} wait in all (one more is refused at once, without
 * allocating a waiter); each waits at most {@code timeout}.
 *
 * <p>Threading: {@link #enter()} must run on an event loop. Waiters are queued per event-loop thread
 * and only touched on that thread, so there is no lock; {@link #open()} and {@link #close()} may be
 * called from any thread and hand each queue's release to its own event loop.
 */
public final class HoldGate {

  /** When a held request is refused, clients are told to come back after this. */
  public static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(5);

  private final Vertx vertx;
  private final int maxRequests;
  private final long timeoutMs;
  private final long retryAfterSeconds;
  private final AtomicInteger held = new AtomicInteger();
  // Totals for the restart sentence ("37 requests waited, none failed"); only ever grow.
  private final AtomicLong waited = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final AtomicLong failedInFlight = new AtomicLong();
  // One lane per event-loop thread: as many as there are event loops.
  private final Map<Thread, Lane> lanes = new ConcurrentHashMap<>();
  private volatile boolean open;

  /** A held request: its future completes when let through, fails with {@link HoldRejectedException}. */
  public final class Hold {
    private final Promise<Void> promise;
    private final Context context;
    private final Lane lane;
    private long timer = -1;
    private boolean done;

    private Hold(Promise<Void> promise, Context context, Lane lane) {
      this.promise = promise;
      this.context = context;
      this.lane = lane;
    }

    public Future<Void> future() {
      return promise.future();
    }

    /** Gives up waiting (frees the slot); call it on the request's event loop. No-op when done. */
    public void cancel() {
      if (!done && lane != null && lane.waiting.remove(this)) {
        finish(new HoldRejectedException(HoldRejectedException.Reason.CANCELLED,
            "the request was cancelled while the app was coming back", retryAfterSeconds));
      }
    }

    private void finish(HoldRejectedException failure) {
      done = true;
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      held.decrementAndGet();
      if (failure == null) {
        promise.tryComplete();
      } else {
        promise.tryFail(failure);
      }
    }
  }

  /** The waiters of one event-loop thread; touched only on that thread. */
  private static final class Lane {
    final ArrayDeque<Hold> waiting = new ArrayDeque<>();
    volatile Context context;
  }

  /**
   * @param vertx        timers
   * @param maxRequests  {@code app.hold.maxRequests}: held at once, in all
   * @param timeout      {@code app.hold.timeout}: the longest one request waits
   */
  public HoldGate(Vertx vertx, int maxRequests, Duration timeout) {
    this(vertx, maxRequests, timeout, DEFAULT_RETRY_AFTER);
  }

  public HoldGate(Vertx vertx, int maxRequests, Duration timeout, Duration retryAfter) {
    if (maxRequests < 0) {
      throw new IllegalArgumentException("maxRequests must be at least 0, not " + maxRequests);
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be a positive duration, not " + timeout);
    }
    this.vertx = vertx;
    this.maxRequests = maxRequests;
    this.timeoutMs = timeout.toMillis();
    this.retryAfterSeconds = Math.max(1, retryAfter.toSeconds());
  }

  /** {@code app.hold.timeout}: the longest one request waits. */
  public Duration timeout() {
    return Duration.ofMillis(timeoutMs);
  }

  /** Seconds for {@code Retry-After} when a request is refused. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** True while requests pass at once. */
  public boolean isOpen() {
    return open;
  }

  /** Requests waiting now (for {@code held_requests} and {@code vigil_app_held_requests}). */
  public int held() {
    return held.get();
  }

  /** Requests that had to wait so far (let through or not). */
  public long waitedTotal() {
    return waited.get();
  }

  /**
   * Requests that failed because the app was not up: refused by the gate (full, timed out), and
   * those the proxy reported with {@link #failedInFlight()}.
   */
  public long failedTotal() {
    return refused.get() + failedInFlight.get();
  }

  /** The proxy reports a request that was in flight in a child that died and could not be retried (its 502). */
  public void failedInFlight() {
    failedInFlight.incrementAndGet();
  }

  /** Lets waiting requests through, each event loop's in arrival order, and new ones at once. */
  public void open() {
    open = true;
    for (Lane lane : lanes.values()) {
      Context c = lane.context;
      if (c != null) {
        c.runOnContext(v -> drain(lane));
      }
    }
  }

  /** New requests wait from now on. */
  public void close() {
    open = false;
  }

  /**
   * Passes at once when open; otherwise waits until {@link #open()}, at most {@code timeout}. Past
   * {@code maxRequests} waiting, the hold fails at once. Must be called on an event loop.
   */
  public Hold enter() {
    Context ctx = Vertx.currentContext();
    if (ctx == null || !Context.isOnEventLoopThread()) {
      throw new IllegalStateException("HoldGate.enter() must be called on an event loop");
    }
    if (open) {
      Hold h = new Hold(Promise.promise(), ctx, null);
      h.done = true;
      h.promise.complete();
      return h;
    }
    // Register the lane before reading the flag again: an open() that races with this enter either
    // is seen here, or sees the lane and schedules its drain after this task.
    Lane lane = lanes.computeIfAbsent(Thread.currentThread(), t -> new Lane());
    lane.context = ctx;
    if (open) {
      Hold h = new Hold(Promise.promise(), ctx, null);
      h.done = true;
      h.promise.complete();
      return h;
    }
    if (held.incrementAndGet() > maxRequests) {
      held.decrementAndGet();
      refused.incrementAndGet();
      Hold h = new Hold(Promise.promise(), ctx, null);
      h.done = true;
      h.promise.fail(new HoldRejectedException(HoldRejectedException.Reason.FULL,
          "the app is restarting and " + maxRequests + " requests are already waiting (app.hold.maxRequests)",
          retryAfterSeconds));
      return h;
    }
    waited.incrementAndGet();
    Hold h = new Hold(Promise.promise(), ctx, lane);
    lane.waiting.addLast(h);
    h.timer = vertx.setTimer(timeoutMs, id -> {
      h.timer = -1;
      if (!h.done && lane.waiting.remove(h)) {
        refused.incrementAndGet();
        h.finish(new HoldRejectedException(HoldRejectedException.Reason.TIMEOUT,
            "the app did not come back within " + timeoutMs + " ms (app.hold.timeout)", retryAfterSeconds));
      }
    });
    return h;
  }

  private void drain(Lane lane) {
    Hold h;
    while (open && (h = lane.waiting.pollFirst()) != null) {
      Hold released = h;
      released.finish(null);
    }
  }
}
