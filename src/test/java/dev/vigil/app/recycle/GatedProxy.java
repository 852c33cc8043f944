package dev.vigil.app.recycle;

import dev.vigil.app.HoldGate;
import dev.vigil.app.HoldRejectedException;
import dev.vigil.config.ConfigLoader;
import dev.vigil.config.VigilConfig;
import dev.vigil.metrics.Rejection;
import dev.vigil.proxy.Admission;
import dev.vigil.proxy.ProxyRuntime;
import dev.vigil.proxy.ProxyVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Vigil's real proxy verticles in front of a child, with the hold gate in front of forwarding. The
 * gate is applied through the proxy's {@link Admission} hook (a held request waits there, then is
 * forwarded to the target of that moment), as {@code vigil run} does it; 5xx answers are counted.
 */
final class GatedProxy {

  final ProxyRuntime runtime;
  final HoldGate gate;
  final AtomicLong fiveXx = new AtomicLong();
  private final ProxyVerticle[] first = new ProxyVerticle[1];

  GatedProxy(Vertx vertx, int appPort, Map<String, String> extra) throws Exception {
    Map<String, String> o = new HashMap<>(Map.of("listen.port", "0", "listen.host", "127.0.0.1",
        "upstream.url", "http://127.0.0.1:" + appPort, "lifecycle.drainTimeout", "10s"));
    o.putAll(extra);
    VigilConfig config = ConfigLoader.load(null, Map.of(), o, w -> { });
    gate = new HoldGate(vertx, 256, java.time.Duration.ofSeconds(30));
    gate.open();
    Admission gated = request -> {
      if (gate.isOpen()) {
        return null;
      }
      HoldGate.Hold hold = gate.enter();
      request.connection().closeHandler(v -> hold.cancel());
      return hold.future().map(v -> (Admission.Refusal) null).otherwise(err -> new Admission.Refusal(503,
          err.getMessage(), Rejection.OVERLOADED, ((HoldRejectedException) err).retryAfterSeconds()));
    };
    runtime = new ProxyRuntime(new AtomicInteger(), () -> (m, p, status, l, in, out, id, rej) -> {
      if (status >= 500) {
        fiveXx.incrementAndGet();
      }
    }, (req, path, admin) -> req.response().setStatusCode(404).end(), () -> false, gated);
    vertx.deployVerticle(() -> {
      ProxyVerticle p = new ProxyVerticle(config, runtime, 2);
      synchronized (first) {
        if (first[0] == null) {
          first[0] = p;
        }
      }
      return p;
    }, new DeploymentOptions().setInstances(2)).await(20, TimeUnit.SECONDS);
  }

  int port() {
    return first[0].actualPort();
  }
}
