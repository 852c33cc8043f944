package dev.vigil.proxy;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpConnectOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * The upstream pools of one event loop: the pool for the current {@link UpstreamTarget} and the
 * retired pools of earlier targets, kept until their last connection closed. Touched only on its
 * event loop (a switch made elsewhere is handed over with {@code runOnContext}).
 */
final class UpstreamPools {

  /** Builds a pool for one target; the sizes and timeouts are the verticle's. */
  interface Factory {
    UpstreamPool create(HttpClientAgent client, HttpConnectOptions options, UpstreamTarget.Target target);
  }

  private final UpstreamTarget target;
  private final HttpClientAgent client;
  private final boolean ssl;
  private final Factory factory;
  private final ProxyRuntime runtime;
  private final List<UpstreamPool> retired = new ArrayList<>();
  private final Runnable hook;
  private UpstreamTarget.Target currentTarget;
  private UpstreamPool current;
  private long ticker = -1;

  UpstreamPools(UpstreamTarget target, HttpClientAgent client, boolean ssl, Factory factory, ProxyRuntime runtime,
                Context context) {
    this.target = target;
    this.client = client;
    this.ssl = ssl;
    this.factory = factory;
    this.runtime = runtime;
    this.hook = () -> context.runOnContext(v -> current());
    current();
    target.onSwitch(hook);
  }

  /** The pool for the current target: one volatile read; a new pool only right after a switch. */
  UpstreamPool current() {
    UpstreamTarget.Target t = target.current();
    if (t != currentTarget) {
      UpstreamPool old = current;
      currentTarget = t;
      current = factory.create(client, new HttpConnectOptions().setHost(t.host()).setPort(t.port()).setSsl(ssl), t);
      runtime.addPool(current);
      if (old != null) {
        runtime.removePool(old);
        old.retire();
        retired.add(old);
      }
    }
    return current;
  }

  /** Evicts idle and aged connections of the current pool, and drops retired pools that are empty. */
  long start(Vertx vertx, long tickMs) {
    ticker = vertx.setPeriodic(tickMs, id -> {
      long now = System.nanoTime();
      current.evict(now);
      retired.removeIf(p -> {
        p.evict(now);
        return p.drained();
      });
    });
    return ticker;
  }

  void close(Vertx vertx) {
    target.removeHook(hook);
    if (ticker >= 0) {
      vertx.cancelTimer(ticker);
    }
    current.close();
    runtime.removePool(current);
    retired.forEach(UpstreamPool::close);
    retired.clear();
  }
}
