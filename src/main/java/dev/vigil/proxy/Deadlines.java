package dev.vigil.proxy;

import io.vertx.core.Vertx;

/**
 * Request timeouts for one event loop without a timer per request: exchanges waiting for the
 * app's answer sit in an intrusive list (no allocation to join or leave), and one periodic tick
 * expires those past their deadline. Expiry is late by at most one tick, which is fine for a
 * timeout measured in seconds. Touched only from its event loop, so no synchronization.
 */
final class Deadlines {

  /** Something with a deadline; the links are owned by this list. */
  abstract static class Entry {
    Entry prev;
    Entry next;
    long deadlineNanos;
    boolean linked;

    /** Called on the event loop when the deadline passed while still linked (already unlinked). */
    abstract void expired();
  }

  private final Entry head = new Entry() {
    @Override
    void expired() {
    }
  };

  Deadlines() {
    head.next = head;
    head.prev = head;
  }

  /** Starts a periodic sweep; returns the timer id. */
  long start(Vertx vertx, long tickMs) {
    return vertx.setPeriodic(tickMs, id -> sweep(System.nanoTime()));
  }

  void add(Entry e, long deadlineNanos) {
    if (e.linked) {
      remove(e);
    }
    e.deadlineNanos = deadlineNanos;
    e.prev = head.prev;
    e.next = head;
    head.prev.next = e;
    head.prev = e;
    e.linked = true;
  }

  void remove(Entry e) {
    if (!e.linked) {
      return;
    }
    e.prev.next = e.next;
    e.next.prev = e.prev;
    e.prev = null;
    e.next = null;
    e.linked = false;
  }

  void sweep(long now) {
    Entry e = head.next;
    while (e != head) {
      Entry next = e.next;
      if (now - e.deadlineNanos >= 0) {
        remove(e);
        e.expired();
      }
      e = next;
    }
  }

  /** The tick for a timeout: a tenth of it, between 10 ms and 250 ms. */
  static long tickFor(long timeoutMs) {
    return Math.max(10, Math.min(250, timeoutMs / 10));
  }
}
