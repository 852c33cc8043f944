package dev.vigil.proxy;

import io.vertx.core.Vertx;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The upstream connections of one event loop: at most {@code maxSize} open, at most
 * {@code maxWaiters} exchanges waiting for one, idle ones closed after {@code idleTimeout} and
 * every one retired after {@code maxLifetime}.
 *
 * <p>Why not Vert.x's own pool: leasing through it builds a context, a timer and several futures
 * per request (measured: about a seventh of the proxy's per-request allocation). A pool owned by
 * one event loop needs no locking at all, so leasing here is a deque pop.
 *
 * <p>Touched only from its event loop.
 */
final class UpstreamPool {

  /** Someone waiting for a connection: an exchange. */
  interface Waiter {
    void leased(Conn conn);

    void leaseFailed(Throwable cause);
  }

  /** One upstream connection and its pool bookkeeping. */
  static final class Conn {
    final HttpClientConnection connection; // Vert.x's client engine, or
    final NettyLink link;                     // the netty engine's (exactly one is set)
    /**
     * The options of the request being sent on this connection, set anew for each one instead of
     * allocated per request: a connection carries one request at a time, and Vert.x reads them
     * when it creates the request.
     */
    final RequestOptions requestOptions = new RequestOptions();
    final long createdNanos;
    long idleSinceNanos;
    int leases; // how many exchanges used it: a second one means it came from the idle pool
    boolean closed;
    boolean detached;

    private Conn(HttpClientConnection connection, NettyLink link, long createdNanos) {
      this.connection = connection;
      this.link = link;
      this.createdNanos = createdNanos;
    }

    void close() {
      if (link != null) {
        link.close();
      } else {
        connection.close();
      }
    }
  }

  private final HttpClientAgent client;
  private final NettyDialer dialer; // null: connections come from the Vert.x client
  private final HttpConnectOptions connectOptions;
  private final int maxSize;
  private final int maxWaiters;
  private final long idleTimeoutNanos;
  private final long maxLifetimeNanos;
  private final ArrayDeque<Conn> idle = new ArrayDeque<>(); // most recently used first
  private final ArrayDeque<Waiter> waiters = new ArrayDeque<>();
  private final java.util.concurrent.atomic.AtomicInteger targetConnections; // over all loops' pools
  private int open; // connected or connecting, not detached
  private boolean closed;
  private boolean retired; // the target moved on: no idle connections, no new leases from outside
  // For gauges read on other threads: refreshed by the periodic tick, never on the request path.
  private volatile long published;

  /**
   * @param dialer            the netty engine's dialer, or null for Vert.x's client
   * @param targetConnections the count of connections open to this pool's target, shared by every loop's pool
   */
  UpstreamPool(HttpClientAgent client, NettyDialer dialer, HttpConnectOptions connectOptions, int maxSize,
               int maxWaiters, long idleTimeoutMs, long maxLifetimeMs,
               java.util.concurrent.atomic.AtomicInteger targetConnections) {
    this.dialer = dialer;
    this.targetConnections = targetConnections;
    this.client = client;
    this.connectOptions = connectOptions;
    this.maxSize = Math.max(1, maxSize);
    this.maxWaiters = Math.max(0, maxWaiters);
    this.idleTimeoutNanos = idleTimeoutMs * 1_000_000L;
    this.maxLifetimeNanos = maxLifetimeMs * 1_000_000L;
  }

  /** Starts the periodic close of idle and retired connections; returns the timer id. */
  long start(Vertx vertx) {
    return vertx.setPeriodic(tickMs(idleTimeoutNanos / 1_000_000L), id -> evict(System.nanoTime()));
  }

  /** How often idle connections are checked: a quarter of the idle timeout, between 100 ms and 1 s. */
  static long tickMs(long idleTimeoutMs) {
    return Math.max(100, Math.min(1_000, idleTimeoutMs / 4));
  }

  /**
   * The target moved on (a recycle): idle connections close now, and each leased one closes when
   * its exchange ends unless an exchange already waiting here takes it over. Exchanges waiting here
   * are still served (by those connections, or new ones while below the cap): none fails because
   * of the switch.
   */
  void retire() {
    retired = true;
    Conn conn;
    while ((conn = idle.pollFirst()) != null) {
      conn.close();
    }
  }

  /** Retired, and neither connections nor waiters are left. */
  boolean drained() {
    return (retired || closed) && open == 0 && waiters.isEmpty();
  }

  /** Calls back {@code waiter} with a connection now, once one is free, or with the reason there is none. */
  void acquire(Waiter waiter) {
    if (closed) {
      waiter.leaseFailed(new IllegalStateException("upstream pool closed"));
      return;
    }
    long now = System.nanoTime();
    Conn conn;
    while ((conn = idle.pollFirst()) != null) {
      if (reusable(conn, now)) {
        waiter.leased(conn);
        return;
      }
      conn.close();
    }
    if (open < maxSize) {
      connect(waiter);
    } else if (waiters.size() < maxWaiters) {
      waiters.addLast(waiter);
    } else {
      waiter.leaseFailed(new ConnectionPoolTooBusyException(
          "upstream pool is full: " + maxSize + " connections busy and " + maxWaiters + " requests waiting"));
    }
  }

  /** A waiter that stopped waiting (timed out, or its client left). */
  void cancel(Waiter waiter) {
    waiters.remove(waiter);
  }

  /**
   * Returns a leased connection. With {@code reusable} false (the exchange broke off, the app
   * asked to close, or a body was left half sent) the connection is closed instead of reused.
   */
  void release(Conn conn, boolean reusable) {
    if (conn.closed || conn.detached) {
      return;
    }
    if (!reusable || closed || !reusable(conn, System.nanoTime())) {
      conn.close(); // the close handler frees the slot and serves the next waiter
      return;
    }
    Waiter next = waiters.pollFirst();
    if (next != null) {
      next.leased(conn);
      return;
    }
    if (retired) {
      conn.close();
      return;
    }
    conn.idleSinceNanos = System.nanoTime();
    idle.addFirst(conn);
  }

  /** The connection leaves the pool for good (it became a WebSocket tunnel) and frees its slot. */
  void detach(Conn conn) {
    if (!conn.closed && !conn.detached) {
      conn.detached = true;
      open--;
      targetConnections.decrementAndGet(); // a tunnel is not waited for: it ends with the old child
      serveWaiters();
    }
  }

  /** Closes idle connections and refuses further leases; leased ones close as they come back. */
  void close() {
    closed = true;
    Waiter w;
    while ((w = waiters.pollFirst()) != null) {
      w.leaseFailed(new IllegalStateException("upstream pool closed"));
    }
    Conn conn;
    while ((conn = idle.pollFirst()) != null) {
      conn.close();
    }
  }

  /** Connections leased or connecting, as of the last tick; safe from any thread. */
  int publishedActive() {
    long counts = published; // one read, so open and idle come from the same tick
    return (int) (counts >>> 42) - (int) ((counts >>> 21) & 0x1f_ffff);
  }

  /** Idle connections as of the last tick; safe from any thread. */
  int publishedIdle() {
    return (int) ((published >>> 21) & 0x1f_ffff);
  }

  /** Requests waiting for a connection as of the last tick; safe from any thread. */
  int publishedWaiting() {
    return (int) (published & 0x1f_ffff);
  }

  void evict(long now) {
    publish();
    for (Iterator<Conn> it = idle.descendingIterator(); it.hasNext(); ) {
      Conn conn = it.next();
      if (now - conn.idleSinceNanos >= idleTimeoutNanos || !reusable(conn, now)) {
        it.remove();
        conn.close();
      }
    }
  }

  /** One volatile write of all three counts (each well under 2^21: sizes are bounded by the config). */
  private void publish() {
    published = ((long) open << 42) | ((long) idle.size() << 21) | waiters.size();
  }

  private boolean reusable(Conn conn, long now) {
    return !conn.closed && now - conn.createdNanos < maxLifetimeNanos && (conn.link == null || conn.link.active());
  }

  private void connect(Waiter waiter) {
    open++;
    targetConnections.incrementAndGet();
    if (dialer != null) {
      dialer.dial(connectOptions.getHost(), connectOptions.getPort()).onComplete(ar -> {
        if (ar.succeeded()) {
          Conn conn = new Conn(null, ar.result(), System.nanoTime());
          conn.link.closeHandler(() -> closed(conn));
          connected(conn, waiter);
        } else {
          connectFailed(waiter, ar.cause());
        }
      });
      return;
    }
    client.connect(connectOptions).onComplete(ar -> {
      if (ar.succeeded()) {
        Conn conn = new Conn(ar.result(), null, System.nanoTime());
        conn.connection.closeHandler(v -> closed(conn));
        connected(conn, waiter);
      } else {
        connectFailed(waiter, ar.cause());
      }
    });
  }

  private void connectFailed(Waiter waiter, Throwable cause) {
    open--;
    targetConnections.decrementAndGet();
    waiter.leaseFailed(cause);
    serveWaiters();
  }

  private void connected(Conn conn, Waiter waiter) {
    if (closed) {
      conn.close();
      waiter.leaseFailed(new IllegalStateException("upstream pool closed"));
      return;
    }
    waiter.leased(conn);
  }

  private void closed(Conn conn) {
    if (conn.closed) {
      return;
    }
    conn.closed = true;
    idle.remove(conn);
    if (!conn.detached) {
      open--;
      targetConnections.decrementAndGet();
      serveWaiters();
    }
  }

  /** A slot came free: open a connection for the longest waiter. */
  private void serveWaiters() {
    if (!closed && open < maxSize && !waiters.isEmpty()) {
      connect(waiters.pollFirst());
    }
  }
}
