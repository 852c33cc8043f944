package dev.vigil.it;

import static dev.vigil.it.ItSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.Sidecar;
import dev.vigil.it.ItSupport.Reply;
import dev.vigil.testing.RedisServerProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Two sidecars of one app, one Redis: the rate limit is shared, not doubled. */
@Timeout(40)
class SharedRateLimitAcrossSidecarsTest {
  private Vertx vertx;
  private RedisServerProcess redis;
  private HttpServer upstream;
  private Sidecar a;
  private Sidecar b;
  private HttpClient client;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    redis = RedisServerProcess.start();
    upstream = ItSupport.upstream(vertx);
    a = ItSupport.startSidecar(vertx, settings("it-a"));
    b = ItSupport.startSidecar(vertx, settings("it-b"));
    client = ItSupport.client(vertx);
  }

  private Map<String, String> settings(String instance) {
    Map<String, String> s = ItSupport.baseSettings(upstream.actualPort());
    s.put("app.instance", instance);
    s.put("redis.url", redis.url());
    // Generous, so a slow machine does not trip the store into local fallback (which would allow 10 per replica).
    s.put("redis.timeout", "2s");
    s.put("ratelimit.enabled", "true");
    s.put("ratelimit.rate", "1/m");
    s.put("ratelimit.burst", "10");
    return s;
  }

  @AfterEach
  void tearDown() throws Exception {
    ItSupport.stopQuietly(a);
    ItSupport.stopQuietly(b);
    if (client != null) {
      await(client.close());
    }
    redis.close();
    await(vertx.close());
  }

  @Test
  void fortyRequestsOverTwoProxiesGetExactlyTheBurstOfTen() {
    assertEquals("redis", ItSupport.redisBlock(a).getString("mode"));
    assertEquals("redis", ItSupport.redisBlock(b).getString("mode"));

    List<Future<Reply>> pending = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      int port = (i % 2 == 0 ? a : b).proxyPort();
      pending.add(ItSupport.get(client, port, "/things/" + i));
    }
    await(Future.join(pending));

    int ok = 0;
    int limited = 0;
    for (Future<Reply> f : pending) {
      Reply r = f.result();
      assertNotNull(r, "every request got an answer: " + f.cause());
      if (r.status() == 200) {
        ok++;
        assertEquals("ok", r.body());
      } else {
        assertEquals(429, r.status(), "only 200 or 429, got " + r.status() + " " + r.body());
        limited++;
        assertNotNull(r.retryAfter(), "429 carries Retry-After");
        assertTrue(Long.parseLong(r.retryAfter()) >= 1, "Retry-After is a positive number of seconds");
        JsonObject body = r.json();
        assertEquals(429, body.getInteger("status"));
        assertTrue(body.getString("error") != null && !body.getString("error").isBlank(), body.encode());
      }
    }
    assertEquals(10, ok, "one shared bucket of 10 across both replicas");
    assertEquals(30, limited);
    // Both replicas stayed on Redis: a fallback would have made the counts above meaningless.
    assertEquals("redis", ItSupport.redisBlock(a).getString("mode"));
    assertEquals("redis", ItSupport.redisBlock(b).getString("mode"));
    long rejectedA = a.health().report().getJsonObject("proxy", new JsonObject())
        .getJsonObject("rejected", new JsonObject()).getLong("rate_limited", -1L);
    System.out.printf("shared rate limit: %d x 200, %d x 429 (replica a proxy.rejected.rate_limited=%d)%n",
        ok, limited, rejectedA);
  }
}
