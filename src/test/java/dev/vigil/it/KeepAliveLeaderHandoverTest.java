package dev.vigil.it;

import static dev.vigil.it.ItSupport.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.Sidecar;
import dev.vigil.testing.RedisServerProcess;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The keep-alive leader lock: of two replicas only the holder pings; when it stops (and releases
 * the lock), the other takes over within a few intervals instead of waiting out the lock's ttl.
 */
@Timeout(40)
class KeepAliveLeaderHandoverTest {
  private static final Duration BOUND = Duration.ofSeconds(10);

  private Vertx vertx;
  private RedisServerProcess redis;
  private HttpServer upstream;
  private final AtomicLong healthHits = new AtomicLong();
  private Sidecar a;
  private Sidecar b;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    redis = RedisServerProcess.start();
    upstream = await(vertx.createHttpServer()
        .requestHandler(req -> {
          if (req.path().equals("/api/health")) {
            healthHits.incrementAndGet();
          }
          req.response().end("ok");
        })
        .listen(0, "127.0.0.1"));
  }

  private Map<String, String> settings(String instance) {
    Map<String, String> s = ItSupport.baseSettings(upstream.actualPort());
    s.put("app.instance", instance);
    s.put("redis.url", redis.url());
    // Generous: a timed-out lock check counts as "Redis down", where every replica pings alone.
    s.put("redis.timeout", "2s");
    s.put("keepalive.enabled", "true");
    s.put("keepalive.defaultInterval", "200ms");
    s.put("keepalive.windows", "");
    s.put("keepalive.target", "http://127.0.0.1:" + upstream.actualPort() + "/api/health");
    return s;
  }

  @AfterEach
  void tearDown() throws Exception {
    ItSupport.stopQuietly(a);
    ItSupport.stopQuietly(b);
    redis.close();
    await(vertx.close());
  }

  @Test
  void onlyTheLeaderPingsAndTheOtherTakesOverWhenItStops() {
    a = ItSupport.startSidecar(vertx, settings("it-a"));
    b = ItSupport.startSidecar(vertx, settings("it-b"));

    assertTrue(RedisServerProcess.awaitCondition(BOUND, () -> pings(a) >= 5 && notLeader(b) >= 5),
        "a (started first) leads and pings, b defers: a=" + ka(a) + " b=" + ka(b));
    assertEquals(0, pings(b), "b never pings while a holds the lock: " + ka(b));
    assertEquals(0, notLeader(a), "a never defers: " + ka(a));
    assertTrue(leader(a));
    assertFalse(leader(b));
    assertEquals("redis", ItSupport.redisBlock(a).getString("mode"));
    assertEquals("redis", ItSupport.redisBlock(b).getString("mode"));

    long stoppedAt = System.nanoTime();
    await(a.stop());
    Sidecar stopped = a;
    a = null;
    long hitsAtStop = healthHits.get();
    assertTrue(RedisServerProcess.awaitCondition(BOUND, () -> leader(b) && pings(b) >= 3),
        "b becomes leader and pings after a stops: " + ka(b));
    long takeoverMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedAt);
    assertFalse(leader(stopped), "a gave the lock up on stop");
    assertTrue(healthHits.get() > hitsAtStop, "the upstream keeps getting pings");
    System.out.printf("leader handover: b leads and has pinged 3 times %d ms after a.stop()%n", takeoverMs);
  }

  private static JsonObject ka(Sidecar s) {
    return ItSupport.keepaliveBlock(s);
  }

  private static long pings(Sidecar s) {
    return ka(s).getLong("pings_total");
  }

  private static long notLeader(Sidecar s) {
    return ka(s).getLong("not_leader_total");
  }

  private static boolean leader(Sidecar s) {
    return Boolean.TRUE.equals(ItSupport.redisBlock(s).getBoolean("keepalive_leader"));
  }
}
