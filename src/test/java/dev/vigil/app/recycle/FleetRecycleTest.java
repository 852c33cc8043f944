package dev.vigil.app.recycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.app.AppSupervisor;
import dev.vigil.app.Ports;
import dev.vigil.memory.MemoryState;
import dev.vigil.store.redis.RecycleLease;
import dev.vigil.store.redis.RedisStore;
import dev.vigil.testing.RedisServerExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two replicas of one app.name, each with its own child, proxy and recycler, share a real
 * redis-server. Their memory is always critical, so both want to recycle at every tick: the lease
 * must keep their recycles from overlapping in time, and both must get their turn.
 */
class FleetRecycleTest {

  @RegisterExtension
  final RedisServerExtension redis = new RedisServerExtension();

  final Vertx vertx = Vertx.vertx();
  final List<AppSupervisor> supervisors = new CopyOnWriteArrayList<>();
  final List<Recycling> replicas = new ArrayList<>();
  final List<Recycler> recyclers = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (Recycling r : replicas) {
      RecyclerTest.await(r.stop(), 10);
    }
    for (Recycler r : recyclers) {
      RecyclerTest.await(r.stop(), 20);
    }
    for (AppSupervisor s : supervisors) {
      RecyclerTest.await(s.stop(), 20);
    }
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  AppSupervisor supervisor(int port) {
    try {
      AppSupervisor s = new AppSupervisor(vertx, RecyclerTest.leaky(port), Clock.systemUTC());
      supervisors.add(s);
      return s;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  Recycling replica(String instance, SimpleMeterRegistry registry) throws Exception {
    AppSupervisor first = supervisor(Ports.freeLoopbackPort());
    GatedProxy proxy = new GatedProxy(vertx, first.port(), Map.of());
    Recycler recycler = new Recycler(vertx, first, this::supervisor, proxy.runtime.target(), proxy.gate,
        new Recycler.Timing(Duration.ofSeconds(5), Duration.ofSeconds(20), Duration.ofMillis(200)),
        Clock.systemUTC(), proxy.fiveXx::get);
    RecyclerTest.await(first.start(), 10);
    RecyclerTest.await(first.firstUp(), 15);
    RedisStore store = new RedisStore(vertx, redis.server().url(), Duration.ofMillis(500), "vigil-test:", null,
        Duration.ofMillis(250));
    RecyclerTest.await(store.start(), 10);
    RecyclerTest.waitUntil("redis connected", store::connected);
    RecycleOptions opts = RecycleOptions.defaults().withEnabled(true).withMinInterval(Duration.ofMillis(500));
    recyclers.add(recycler);
    Recycling r = new Recycling(new Recycling.Parts(vertx, opts, Clock.systemUTC(),
        () -> new MemoryView(Instant.now(), MemoryState.CRITICAL, 500, 512.0, null, false), null,
        new RecycleLease(store, "shop", instance, 1, Duration.ofSeconds(5)), Duration.ofSeconds(5), recycler,
        () -> 0, () -> Future.succeededFuture(true), Duration.ofMillis(50), Duration.ofSeconds(5),
        Duration.ofSeconds(5), registry, 95, null));
    replicas.add(r);
    return r;
  }

  @Test
  void twoReplicasNeverRecycleAtTheSameTime() throws Exception {
    SimpleMeterRegistry ra = new SimpleMeterRegistry();
    SimpleMeterRegistry rb = new SimpleMeterRegistry();
    Recycling a = replica("a", ra);
    Recycling b = replica("b", rb);
    List<JsonObject> records = new CopyOnWriteArrayList<>();
    // Record every recycle of both, as it completes (health shows only the last).
    for (Recycling r : List.of(a, b)) {
      vertx.setPeriodic(5, id -> {
        JsonObject last = r.healthJson().getJsonObject("last");
        if (last != null && records.stream().noneMatch(x -> x == last || x.equals(last))) {
          records.add(last);
        }
      });
    }
    RecyclerTest.await(a.start(), 5);
    RecyclerTest.await(b.start(), 5);
    RecyclerTest.waitUntil("both replicas recycled twice", () -> total(a) >= 2 && total(b) >= 2, 60);
    RecyclerTest.await(a.stop(), 5);
    RecyclerTest.await(b.stop(), 5);

    List<Instant[]> spans = new ArrayList<>();
    for (JsonObject r : records) {
      Instant t = Instant.parse(r.getString("t"));
      spans.add(new Instant[] {t, t.plusMillis((long) (r.getDouble("duration_s") * 1000))});
      assertEquals(0, r.getLong("failed"));
    }
    spans.sort((x, y) -> x[0].compareTo(y[0]));
    for (int i = 1; i < spans.size(); i++) {
      // duration_s is rounded to 0.1 s: allow that much.
      assertFalse(spans.get(i)[0].plusMillis(50).isBefore(spans.get(i - 1)[1]),
          "recycle " + i + " started at " + spans.get(i)[0] + " before the previous ended at " + spans.get(i - 1)[1]);
    }
    assertTrue(ra.get("vigil.app.recycles").tag("path", "hold").counter().count() >= 2,
        "no baseline at first, so hold; then overlap or hold");
  }

  static long total(Recycling r) {
    return r.healthJson().getLong("total");
  }
}
