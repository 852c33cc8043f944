package dev.vigil.watch;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A real app on a loopback port whose memory endpoint reports a known shape: growth at
 * {@code leakMiBPerSecond} from its start, plus an optional sawtooth of {@code toothMiB} that
 * drops back every {@code toothEvery} reads (a garbage-collected heap with a flat floor).
 */
final class LeakyApp implements AutoCloseable {

  static final double BASE_MIB = 100;
  static final double TOTAL_MIB = 4096;

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  private final AtomicLong reads = new AtomicLong();

  LeakyApp(double leakMiBPerSecond, double toothMiB, int toothEvery) {
    long start = System.nanoTime();
    server = vertx.createHttpServer().requestHandler(req -> {
      if (!req.path().equals("/api/memory-status")) {
        req.response().setStatusCode(404).end();
        return;
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long n = reads.getAndIncrement();
      double tooth = toothEvery <= 1 ? 0 : toothMiB * (n % toothEvery) / (toothEvery - 1);
      double rss = BASE_MIB + leakMiBPerSecond * seconds + tooth;
      req.response().putHeader("content-type", "application/json").end(new JsonObject()
          .put("process", new JsonObject().put("rss_mb", rss))
          .put("system", new JsonObject().put("total_mb", TOTAL_MIB)).encode());
    }).listen(0, "127.0.0.1").await();
  }

  String base() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  @Override
  public void close() {
    vertx.close().await();
  }
}
