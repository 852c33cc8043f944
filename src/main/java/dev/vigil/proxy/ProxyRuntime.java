package dev.vigil.proxy;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What the proxy verticles share: the in-flight counter (the one cross-loop write on the hot path,
 * a single atomic) and the collaborators wired in by {@code Main}. Each verticle asks
 * {@code observers} for its own observer, so metrics can be recorded per event loop.
 */
public final class ProxyRuntime {

  private final AtomicInteger inFlight = new AtomicInteger();
  private final java.util.List<UpstreamPool> pools = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Supplier<ExchangeObserver> observers;
  private final AdminEndpoint admin;
  private final BooleanSupplier overloaded;
  private final Admission admission;

  public ProxyRuntime(Supplier<ExchangeObserver> observers, AdminEndpoint admin, BooleanSupplier overloaded,
                      Admission admission) {
    this.observers = observers;
    this.admin = admin;
    this.overloaded = overloaded;
    this.admission = admission;
  }

  /** Requests forwarded to the app and not finished yet. */
  public int inFlight() {
    return inFlight.get();
  }

  /** Upstream connections leased or connecting in all event loops' pools, as of the last pool tick. */
  public int upstreamActive() {
    return pools.stream().mapToInt(UpstreamPool::publishedActive).sum();
  }

  /** Idle upstream connections in all pools, as of the last pool tick. */
  public int upstreamIdle() {
    return pools.stream().mapToInt(UpstreamPool::publishedIdle).sum();
  }

  /** Requests waiting for an upstream connection in all pools, as of the last pool tick. */
  public int upstreamWaiting() {
    return pools.stream().mapToInt(UpstreamPool::publishedWaiting).sum();
  }

  void addPool(UpstreamPool pool) {
    pools.add(pool);
  }

  void removePool(UpstreamPool pool) {
    pools.remove(pool);
  }

  AtomicInteger inFlightCounter() {
    return inFlight;
  }

  ExchangeObserver newObserver() {
    return observers.get();
  }

  AdminEndpoint admin() {
    return admin;
  }

  BooleanSupplier overloaded() {
    return overloaded;
  }

  Admission admission() {
    return admission;
  }
}
