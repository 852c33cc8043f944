package dev.vigil.app;

import static dev.vigil.app.RunModeTest.waitUntil;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code vigil run} with {@code recycle.enabled}: the recycler replaces the child through the same
 * wiring a user gets (config, Sidecar, proxy target, hold gate, health, metrics), by hand and when
 * the app's memory (read from its process tree) reaches the threshold, with load running and no
 * request failing.
 */
class RunModeRecycleTest {

  private final RunModeTest run = new RunModeTest();

  @AfterEach
  void tearDown() throws Exception {
    run.tearDown();
  }


  static final String TOKEN = "run-recycle-token-0123456789";

  private Map<Integer, Integer> statuses;
  private AtomicBoolean stop;
  private List<Thread> load;

  private void startLoad() {
    statuses = new ConcurrentHashMap<>();
    stop = new AtomicBoolean();
    load = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      Thread th = new Thread(() -> {
        while (!stop.get()) {
          try {
            statuses.merge(run.send("GET", "/slow?ms=20").statusCode(), 1, Integer::sum);
          } catch (Exception e) {
            statuses.merge(-1, 1, Integer::sum);
          }
        }
      });
      th.start();
      load.add(th);
    }
  }

  private void stopLoad() throws InterruptedException {
    stop.set(true);
    for (Thread th : load) {
      th.join(30_000);
    }
    assertEquals(Map.of(200, statuses.get(200)), statuses, "every request of the load got 200: " + statuses);
  }

  /** Waits until the load got {@code more} further answers (on the child of that moment). */
  private void awaitAnswers(int more) throws InterruptedException {
    int target = answers() + more;
    waitUntil(more + " more answers", 30, () -> answers() >= target);
  }

  private int answers() {
    return statuses.values().stream().mapToInt(Integer::intValue).sum();
  }

  @Test
  void aRecycleByHandReplacesTheChildWithoutAFailedRequest() throws Exception {
    // The diagnostics hook goes to the app itself (the leaky app answers any POST), before the recycle.
    int appPort = Ports.freeLoopbackPort();
    run.startRun(Map.of("memory.enabled", "true", "memory.source", "process", "memory.limit", "4GiB",
        "memory.poll.interval", "200ms", "recycle.enabled", "true", "admin.token", TOKEN,
        "lifecycle.drainTimeout", "5s", "app.port", String.valueOf(appPort),
        "memory.diagnostics.url", "http://127.0.0.1:" + appPort + "/diagnostics"));
    waitUntil("ready", 20, () -> run.status("/sidecar/health/ready") == 200);
    long oldPid = run.sidecar.app().pid();
    startLoad();
    awaitAnswers(10);

    HttpResponse<String> r = run.http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + run.sidecar.proxyPort() + "/sidecar/app/recycle"))
        .header("authorization", "Bearer " + TOKEN).POST(HttpRequest.BodyPublishers.noBody()).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    long newPid = run.sidecar.app().pid();
    assertNotEquals(oldPid, newPid, "a new child serves");
    waitUntil("the old child gone", 20, () -> ProcessHandle.of(oldPid).map(p -> !p.isAlive()).orElse(true));
    awaitAnswers(10);
    stopLoad();

    JsonObject app = run.app();
    assertEquals("run", app.getString("mode"));
    assertEquals("up", app.getString("state"));
    assertEquals(newPid, app.getLong("pid"));
    assertEquals(new JsonObject().put("crash", 0).put("oom_killed", 0), app.getJsonObject("restarts"),
        "a recycle is not a restart");
    JsonObject recycles = app.getJsonObject("recycles");
    assertEquals(1, recycles.getInteger("total"), recycles.encode());
    assertEquals(0, recycles.getJsonObject("last").getInteger("failed"), recycles.encode());
    String m = run.metrics();
    String path = recycles.getJsonObject("last").getString("path");
    assertTrue(m.contains("vigil_app_recycles_total{path=\"" + path + "\"} 1.0"), m);
    assertTrue(new JsonObject(run.send("GET", "/info").body()).getLong("pid") == newPid);
    JsonObject diagnostics = new JsonObject(run.send("GET", "/sidecar/memory/diagnostics").body());
    JsonObject answer = diagnostics.getJsonArray("answers").getJsonObject(0);
    assertEquals("recycle", answer.getString("trigger"), diagnostics.encode());
    assertEquals(200, answer.getInteger("status"), diagnostics.encode());
    assertEquals("hello " + oldPid, answer.getString("body"), "the old child answered, before it was replaced");
  }

  @Test
  void memoryAtTheThresholdRecyclesTheLeakingChild() throws Exception {
    // The process source reads the child's tree; 60 MiB leaked puts it over 50% of a 100 MiB limit.
    run.startRun(Map.of("memory.enabled", "true", "memory.source", "process", "memory.limit", "100MiB",
        "memory.poll.interval", "200ms", "memory.warnPercent", "40", "memory.criticalPercent", "50",
        "recycle.enabled", "true", "recycle.minInterval", "1m", "lifecycle.drainTimeout", "5s"));
    waitUntil("ready", 20, () -> run.status("/sidecar/health/ready") == 200);
    long oldPid = run.sidecar.app().pid();
    startLoad();
    awaitAnswers(10);
    assertEquals(200, run.send("GET", "/leak?mb=60").statusCode());

    waitUntil("a recycle", 60, () -> {
      try {
        return run.app().getJsonObject("recycles").getInteger("total") >= 1;
      } catch (Exception e) {
        return false;
      }
    });
    awaitAnswers(10);
    stopLoad();
    assertNotEquals(oldPid, run.sidecar.app().pid());
    JsonObject last = run.app().getJsonObject("recycles").getJsonObject("last");
    assertEquals(0, last.getInteger("failed"), last.encode());
    assertTrue(last.getDouble("rss_before_mib") > 50, last.encode());
    assertTrue(last.getDouble("rss_after_mib") < last.getDouble("rss_before_mib") - 40, last.encode());
    assertEquals(0, new JsonObject(run.send("GET", "/info").body()).getInteger("held_mib"), "the fresh child holds nothing");
  }
}
