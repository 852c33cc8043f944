package dev.vigil.proxy;

import dev.vigil.app.HoldGate;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * What the proxy verticles share: the in-flight counter (the one cross-loop write on the hot path,
 * a single atomic) and the collaborators wired in by {@code Main}. Each verticle asks
 * {@code observers} for its own observer, so metrics can be recorded per event loop.
 */
public final class ProxyRuntime {

  private final AtomicInteger inFlight;
  private final java.util.List<UpstreamPool> pools = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Supplier<ExchangeObserver> observers;
  private final AdminEndpoint admin;
  private final BooleanSupplier overloaded;
  private final Admission admission;
  private final HoldGate gate;

  public ProxyRuntime(AtomicInteger inFlight, Supplier<ExchangeObserver> observers, AdminEndpoint admin,
                      BooleanSupplier overloaded, Admission admission) {
    this(inFlight, observers, admin, overloaded, admission, null);
  }

  /**
   * @param inFlight the in-flight counter, created first so that the metrics gauge can read it
   *     before the runtime exists
   * @param gate in {@code vigil run} mode, where requests wait while the app is not up; null otherwise
   */
  public ProxyRuntime(AtomicInteger inFlight, Supplier<ExchangeObserver> observers, AdminEndpoint admin,
                      BooleanSupplier overloaded, Admission admission, HoldGate gate) {
    this.inFlight = inFlight;
    this.observers = observers;
    this.admin = admin;
    this.overloaded = overloaded;
    this.admission = admission;
    this.gate = gate;
  }

  /** Requests forwarded to the app and not finished yet. */
  public int inFlight() {
    return inFlight.get();
  }

  /**
   * Registers the upstream pool gauges: sizes summed over event loops, refreshed by each pool's
   * tick (at most 1 s old).
   */
  public void registerPoolGauges(MeterRegistry registry) {
    String byState = "Upstream connections by state: active (leased or connecting) or idle in the pool";
    Gauge.builder("vigil.upstream.connections", this, ProxyRuntime::upstreamActive)
        .description(byState).tag("state", "active").strongReference(true).register(registry);
    Gauge.builder("vigil.upstream.connections", this, ProxyRuntime::upstreamIdle)
        .description(byState).tag("state", "idle").strongReference(true).register(registry);
    Gauge.builder("vigil.upstream.pending", this, ProxyRuntime::upstreamWaiting)
        .description("Requests waiting for an upstream connection (bounded by upstream.pool.waitQueue)")
        .strongReference(true).register(registry);
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

  HoldGate gate() {
    return gate;
  }
}
