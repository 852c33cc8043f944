package dev.vigil.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.impl.buffer.VertxByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The netty engine hands the app's pooled read buffers to the client without a copy and releases
 * each one when its write completes: a flood of answers must leave the pooled direct memory where
 * it was. A forgotten release keeps a read buffer per answer: with the release of a whole answer's
 * buffer left out, this flood grew it by 188 MiB.
 */
class PooledMemoryTest extends ProxyTestBase {

  private static final int CONCURRENCY = 16;

  @Test
  void aFloodOfAnswersLeavesThePooledDirectMemoryFlat() throws Exception {
    startVigil(Map.of());
    Buffer small = Buffer.buffer("{\"ok\":true,\"service\":\"bench\"}");
    Buffer big = Buffer.buffer(new byte[16 * 1024]);
    app.answer(req -> req.response().end(req.path().startsWith("/big") ? big : small));
    HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(CONCURRENCY));

    flood(client, 1_000); // the allocator's chunks and caches settle first
    long before = pooledDirect();
    flood(client, 5_000);
    long growth = pooledDirect() - before;
    System.out.printf("pooled direct memory: %d KiB before, %+d KiB after 5,000 answers%n", before >> 10,
        growth >> 10);
    assertTrue(growth < 4L << 20, "pooled direct memory grew by " + (growth >> 10) + " KiB");
  }

  /** {@code n} requests, every fourth for a 16 KiB answer, {@code CONCURRENCY} at a time. */
  private void flood(HttpClient client, int n) throws Exception {
    for (int sent = 0; sent < n; sent += CONCURRENCY) {
      List<Future<Integer>> batch = new ArrayList<>();
      for (int i = 0; i < CONCURRENCY; i++) {
        String path = (sent + i) % 4 == 0 ? "/big/" + (sent + i) : "/small/" + (sent + i);
        batch.add(client.request(HttpMethod.GET, port, "127.0.0.1", path)
            .compose(r -> r.send().compose(resp -> resp.body().map(b -> resp.statusCode()))));
      }
      Future.all(batch).await(30, TimeUnit.SECONDS);
      for (Future<Integer> f : batch) {
        assertEquals(200, f.result());
      }
    }
  }

  private static long pooledDirect() {
    return ((ByteBufAllocatorMetricProvider) VertxByteBufAllocator.POOLED_ALLOCATOR).metric().usedDirectMemory();
  }
}
