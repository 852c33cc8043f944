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
    UpstreamPool create(HttpClientAgent client, NettyDialer dialer, HttpConnectOptions options,
                        UpstreamTarget.Target target);
  }

  private final UpstreamTarget target;
  private final HttpClientAgent client;
  private final boolean ssl;
  private final NettyDialer dialer; // null: every exchange uses Vert.x's client
  private final Factory factory;
  private final ProxyRuntime runtime;
  private final List<UpstreamPool> retired = new ArrayList<>();
  private final Runnable hook;
  private UpstreamTarget.Target currentTarget;
  private UpstreamPool current;
  private UpstreamPool currentTunnel; // the netty engine's pool for upgrades (Vert.x's client), or null
  private long ticker = -1;

  /** @param dialer the netty engine's dialer (upgrades still go through {@code client}), or null */
  UpstreamPools(UpstreamTarget target, HttpClientAgent client, NettyDialer dialer, boolean ssl, Factory factory,
                ProxyRuntime runtime, Context context) {
    this.dialer = dialer;
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
      UpstreamPool oldTunnel = currentTunnel;
      currentTarget = t;
      HttpConnectOptions options = new HttpConnectOptions().setHost(t.host()).setPort(t.port()).setSsl(ssl);
      current = factory.create(client, dialer, options, t);
      currentTunnel = dialer == null ? null : factory.create(client, null, options, t);
      runtime.addPool(current);
      if (currentTunnel != null) {
        runtime.addPool(currentTunnel);
      }
      retire(old);
      retire(oldTunnel);
    }
    return current;
  }

  /** The pool for an upgrade (WebSocket) request: Vert.x's client, whose connections can become tunnels. */
  UpstreamPool forUpgrade() {
    current();
    return currentTunnel == null ? current : currentTunnel;
  }

  private void retire(UpstreamPool old) {
    if (old != null) {
      runtime.removePool(old);
      old.retire();
      retired.add(old);
    }
  }

  /** Evicts idle and aged connections of the current pool, and drops retired pools that are empty. */
  long start(Vertx vertx, long tickMs) {
    ticker = vertx.setPeriodic(tickMs, id -> {
      long now = System.nanoTime();
      current.evict(now);
      if (currentTunnel != null) {
        currentTunnel.evict(now);
      }
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
    if (currentTunnel != null) {
      currentTunnel.close();
      runtime.removePool(currentTunnel);
    }
    retired.forEach(UpstreamPool::close);
    retired.clear();
  }
}
