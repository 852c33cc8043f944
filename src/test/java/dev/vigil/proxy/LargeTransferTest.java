package dev.vigil.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.streams.ReadStream;
import java.lang.management.ManagementFactory;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * 200 MiB down and 200 MiB up through the proxy, generated and consumed on the fly: the sidecar
 * (in this JVM) must not buffer bodies, so the heap stays flat while they pass.
 */
class LargeTransferTest extends ProxyTestBase {

  static final long SIZE = 200L << 20;
  static final Buffer CHUNK = Buffer.buffer(new byte[64 * 1024]);

  @Test
  void twoHundredMibEachWayWithFlatHeap() throws Exception {
    startVigil(Map.of("proxy.maxBodySize", "1GiB"));
    app.answer(req -> {
      if (req.method() == HttpMethod.GET) {
        var resp = req.response().putHeader("content-length", String.valueOf(SIZE));
        writeGenerated(resp, SIZE, Promise.promise());
      } else {
        AtomicLong got = new AtomicLong();
        req.handler(b -> got.addAndGet(b.length()));
        req.endHandler(v -> req.response().end(String.valueOf(got.get())));
      }
    });
    long baseline = usedAfterGc();
    AtomicLong peak = new AtomicLong();
    AtomicBoolean sampling = new AtomicBoolean(true);
    Thread sampler = new Thread(() -> {
      while (sampling.get()) {
        // What survived the latest collection: garbage between collections does not count, but a
        // buffered body would survive the many collections a 400 MiB transfer causes.
        peak.accumulateAndGet(liveAfterLastGc(), Math::max);
        try {
          Thread.sleep(20); // sampling period of the heap probe (not a synchronisation)
        } catch (InterruptedException e) {
          return;
        }
      }
    });
    sampler.start();

    HttpClient client = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions());
    Promise<Long> downloaded = Promise.promise();
    AtomicLong down = new AtomicLong();
    client.request(HttpMethod.GET, port, "127.0.0.1", "/download")
        .compose(r -> r.send().onSuccess(resp -> {
          resp.handler(b -> down.addAndGet(b.length()));
          resp.endHandler(v -> downloaded.complete(down.get()));
        }))
        .onFailure(downloaded::tryFail);
    assertEquals(SIZE, downloaded.future().await(60, TimeUnit.SECONDS));

    String uploaded = client.request(new RequestOptions().setMethod(HttpMethod.POST).setPort(port)
            .setHost("127.0.0.1").setURI("/upload").putHeader("content-length", String.valueOf(SIZE)))
        .compose(req -> req.send(generated(SIZE)).compose(resp -> resp.body()))
        .await(60, TimeUnit.SECONDS).toString();
    assertEquals(String.valueOf(SIZE), uploaded);

    sampling.set(false);
    sampler.join();
    long after = usedAfterGc();
    long growth = after - baseline;
    long peakGrowth = peak.get() - baseline;
    assertTrue(growth < 32L << 20, "heap grew by " + (growth >> 20) + " MiB after the transfers");
    // The test JVM also hosts the app and the client; one buffered 200 MiB body alone would exceed this.
    assertTrue(peakGrowth < 64L << 20, "live heap peaked " + (peakGrowth >> 20) + " MiB above baseline");
  }

  private static long liveAfterLastGc() {
    long sum = 0;
    for (var pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == java.lang.management.MemoryType.HEAP && pool.getCollectionUsage() != null) {
        sum += pool.getCollectionUsage().getUsed();
      }
    }
    return sum;
  }

  private static long usedAfterGc() {
    var memory = ManagementFactory.getMemoryMXBean();
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  /** Writes {@code size} bytes with back-pressure, never more than one chunk in hand. */
  private void writeGenerated(io.vertx.core.http.HttpServerResponse resp, long size, Promise<Void> done) {
    long[] left = {size};
    Runnable[] pump = new Runnable[1];
    pump[0] = () -> {
      while (left[0] > 0 && !resp.writeQueueFull()) {
        int n = (int) Math.min(CHUNK.length(), left[0]);
        resp.write(n == CHUNK.length() ? CHUNK : CHUNK.slice(0, n));
        left[0] -= n;
      }
      if (left[0] == 0) {
        resp.end();
        done.tryComplete();
      } else {
        resp.drainHandler(v -> pump[0].run());
      }
    };
    pump[0].run();
  }

  /** A read stream of {@code size} zero bytes produced on demand. */
  private ReadStream<Buffer> generated(long size) {
    return new GeneratedStream(vertx, size, CHUNK);
  }
}
