package dev.vigil.app;

import static dev.vigil.app.AppSupervisorTest.await;
import static dev.vigil.app.AppSupervisorTest.get;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.testing.TestCgroup;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A real OOM kill: the leaky app runs in a fresh cgroup v1 memory cgroup with a 64 MiB limit and
 * leaks until the kernel kills it. The supervisor must call it {@code oom_killed} and restart it.
 */
class OomKillTest {

  @Test
  void anAppKilledByTheOomKillerIsClassifiedAndRestarted() throws Exception {
    Vertx vertx = Vertx.vertx();
    try (TestCgroup cg = TestCgroup.createV1(64L << 20)) {
      AppOptions base = AppSupervisorTest.leaky();
      AppOptions opts = AppOptions.of(cg.wrap(base.command()), base.port())
          .withHealth("/health", Duration.ofMillis(50), Duration.ofSeconds(2))
          .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1));
      Recorder rec = new Recorder();
      AppSupervisor sup = new AppSupervisor(vertx, opts, Clock.systemUTC()).addListener(rec);
      try {
        await(sup.start(), 10);
        await(sup.firstUp(), 15);
        long pid = sup.pid().orElseThrow();
        assertTrue(cg.pids().contains(pid), "the app runs in the test cgroup");
        long killsBefore = cg.oomKills();

        // Leak 8 MiB per request until the kernel kills the app (the answer then never comes).
        for (int i = 0; i < 40 && sup.pid().orElse(-1L) == pid; i++) {
          try {
            get(opts.port(), "/leak?mb=8");
          } catch (IOException killedMidRequest) {
            break;
          }
        }
        Recorder.Exited e = Recorder.take(rec.exited, 15, "the OOM kill");
        assertEquals(9, e.exit().signal());
        assertTrue(e.exit().oomKilled(), "classified as an OOM kill: " + e.exit());
        assertEquals("oom_killed", e.exit().reason());
        assertTrue(cg.oomKills() > killsBefore, "the cgroup's oom_kill count rose");

        AppRestart r = Recorder.take(rec.restarted, 15, "the restart");
        assertEquals("oom_killed", r.reason());
        assertEquals(List.of(0L, 1L), List.of(sup.restarts().get("crash"), sup.restarts().get("oom_killed")));
        assertEquals(200, get(opts.port(), "/health").statusCode());
      } finally {
        await(sup.stop(), 20);
      }
    } finally {
      await(vertx.close(), 10);
    }
  }
}
