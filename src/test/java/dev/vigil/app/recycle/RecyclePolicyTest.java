package dev.vigil.app.recycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.app.recycle.RecycleDecision.Action;
import dev.vigil.memory.MemoryState;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The policy on a hand-moved clock: one {@link MemoryView} per simulated sample. */
class RecyclePolicyTest {

  static final double LIMIT = 512;
  final RecycleOptions opts = RecycleOptions.defaults().withEnabled(true);
  Instant now = Instant.parse("2026-12-07T12:00:00Z");

  MemoryView view(MemoryState state, double rss, Double slope, boolean steady) {
    return new MemoryView(now, state, rss, LIMIT, slope, steady);
  }

  void advance(Duration d) {
    now = now.plus(d);
  }

  @Test
  void notDueWhileOkAndFarFromTheLimit() {
    RecyclePolicy p = new RecyclePolicy(opts, false);
    assertEquals(Action.NONE, p.evaluate(now, view(MemoryState.OK, 200, 10.0, true), 80.0).action());
    assertEquals(Action.NONE, p.evaluate(now, null, 80.0).action());
    // Warning is not enough with recycle.at critical.
    assertEquals(Action.NONE, p.evaluate(now, view(MemoryState.WARNING, 420, null, false), 80.0).action());
  }

  @Test
  void dueAtTheConfiguredState() {
    RecycleDecision d = new RecyclePolicy(opts, false).evaluate(now, view(MemoryState.CRITICAL, 490, null, false), 80.0);
    assertEquals(Action.RECYCLE, d.action());
    assertEquals("memory is critical (96% of 512 MiB)", d.reason());
    assertEquals(RecyclePath.HOLD, d.path(), "490 + 80 + 51.2 does not fit under 512");
    assertEquals("490 MiB + 80 MiB baseline + 51.2 MiB margin = 621.2 MiB does not fit under the 512 MiB limit",
        d.pathReason());

    RecyclePolicy warn = new RecyclePolicy(opts.withAt(MemoryState.WARNING), false);
    assertEquals(Action.RECYCLE, warn.evaluate(now, view(MemoryState.WARNING, 420, null, false), 80.0).action());
  }

  @Test
  void dueWhenTheSteadyProjectionIsInsideTheHorizon() {
    RecyclePolicy p = new RecyclePolicy(opts, false);
    // 112 MiB to go at 960 MiB/h = 7 min < 10 min.
    RecycleDecision d = p.evaluate(now, view(MemoryState.OK, 400, 960.0, true), 80.0);
    assertEquals(Action.RECYCLE, d.action());
    assertEquals("the 512 MiB limit is 7 min away at 960.0 MiB/h (recycle.horizon 10 min)", d.reason());
    // The same figures from an unsteady fit are not acted on.
    assertEquals(Action.NONE, new RecyclePolicy(opts, false).evaluate(now, view(MemoryState.OK, 400, 960.0, false), 80.0)
        .action());
    // 112 MiB at 600 MiB/h = 11.2 min: outside the horizon (and no baseline, so no overlap trigger).
    assertEquals(Action.NONE, new RecyclePolicy(opts, false).evaluate(now, view(MemoryState.OK, 400, 600.0, true), null)
        .action());
  }

  @Test
  void triggersEarlySoThatAnOverlapStillFits() {
    RecyclePolicy p = new RecyclePolicy(opts, false);
    // Overlap ceiling: 512 - 51.2 - 80 = 380.8 MiB. At 120 MiB/h the limit is far (>1 h) away.
    RecycleDecision far = p.evaluate(now, view(MemoryState.OK, 300, 120.0, true), 80.0);
    assertEquals(Action.NONE, far.action(), "40 min before the overlap stops fitting");
    advance(Duration.ofMinutes(30));
    // 378 MiB: 2.8 MiB below the ceiling = 84 s at 120 MiB/h, inside the 2 min lead.
    RecycleDecision d = p.evaluate(now, view(MemoryState.OK, 378, 120.0, true), 80.0);
    assertEquals(Action.RECYCLE, d.action());
    assertEquals(RecyclePath.OVERLAP, d.path());
    assertEquals("in 1 min 24 s a second child (80 MiB) would no longer fit under the 512 MiB limit at 120.0 MiB/h",
        d.reason());
    assertTrue(d.pathReason().contains("fits under the 512 MiB limit"), d.pathReason());
  }

  @Test
  void overlapWhenCurrentPlusBaselinePlusMarginFitsElseHold() {
    // memory.warnPercent 70 here, so that 380 MiB (74%) is due at warning.
    RecyclePolicy p = new RecyclePolicy(opts.withAt(MemoryState.WARNING), false, 70);
    assertEquals(RecyclePath.OVERLAP, p.evaluate(now, view(MemoryState.WARNING, 380, null, false), 80.0).path());
    assertEquals(RecyclePath.HOLD, new RecyclePolicy(opts.withAt(MemoryState.WARNING), false, 70)
        .evaluate(now, view(MemoryState.WARNING, 381, null, false), 80.0).path());
    RecycleDecision unknown = new RecyclePolicy(opts, false).evaluate(now, view(MemoryState.CRITICAL, 490, null, false), null);
    assertEquals(RecyclePath.HOLD, unknown.path());
    assertEquals("the fresh app's footprint is not known yet, so a second child might not fit", unknown.pathReason());
    RecycleDecision noLimit = new RecyclePolicy(opts, false)
        .evaluate(now, new MemoryView(now, MemoryState.CRITICAL, 490, null, null, false), 80.0);
    assertEquals(RecyclePath.OVERLAP, noLimit.path());
  }

  @Test
  void neverMoreOftenThanTheMinimumInterval() {
    RecyclePolicy p = new RecyclePolicy(opts, false);
    assertEquals(Action.RECYCLE, p.evaluate(now, view(MemoryState.CRITICAL, 500, null, false), 80.0).action());
    p.recycled(now);
    advance(Duration.ofMinutes(4));
    RecycleDecision d = p.evaluate(now, view(MemoryState.CRITICAL, 500, null, false), 80.0);
    assertEquals(Action.DEFERRED, d.action());
    assertEquals("memory is critical (98% of 512 MiB); waiting: the last recycle was 4 min ago"
        + " (recycle.minInterval 5 min)", d.reason());
    advance(Duration.ofMinutes(1));
    assertEquals(Action.RECYCLE, p.evaluate(now, view(MemoryState.CRITICAL, 500, null, false), 80.0).action());
  }

  @Test
  void cleanupComesFirstAndTheRecycleOnlyIfTheNextSamplesStayHigh() {
    RecyclePolicy p = new RecyclePolicy(opts, true);
    assertEquals(Action.CLEANUP, p.evaluate(now, view(MemoryState.CRITICAL, 500, null, false), 80.0).action());
    // The same sample again, and one newer sample: still waiting.
    assertEquals(Action.NONE, p.evaluate(now, view(MemoryState.CRITICAL, 500, null, false), 80.0).action());
    advance(Duration.ofSeconds(30));
    assertEquals(Action.NONE, p.evaluate(now, view(MemoryState.CRITICAL, 499, null, false), 80.0).action());
    advance(Duration.ofSeconds(30));
    RecycleDecision d = p.evaluate(now, view(MemoryState.CRITICAL, 501, null, false), 80.0);
    assertEquals(Action.RECYCLE, d.action());
    assertTrue(d.reason().endsWith("; the cleanup call did not bring it back"), d.reason());
  }

  @Test
  void aCleanupThatWorksCancelsTheRecycle() {
    RecyclePolicy p = new RecyclePolicy(opts, true);
    assertEquals(Action.CLEANUP, p.evaluate(now, view(MemoryState.CRITICAL, 500, null, false), 80.0).action());
    advance(Duration.ofSeconds(30));
    assertEquals(Action.NONE, p.evaluate(now, view(MemoryState.OK, 250, null, false), 80.0).action());
    advance(Duration.ofSeconds(30));
    assertEquals(Action.NONE, p.evaluate(now, view(MemoryState.OK, 250, null, false), 80.0).action());
    // A later episode starts with a cleanup call again.
    advance(Duration.ofHours(1));
    assertEquals(Action.CLEANUP, p.evaluate(now, view(MemoryState.CRITICAL, 500, null, false), 80.0).action());
  }

  @Test
  void theLaggingStateAloneIsNotDueOnceMemoryFellUnderItsThreshold() {
    // The state machine clears critical only a few samples after memory fell: 250 MiB is under 95%.
    RecyclePolicy p = new RecyclePolicy(opts, true, 95);
    assertEquals(Action.CLEANUP, p.evaluate(now, view(MemoryState.CRITICAL, 500, null, false), 80.0).action());
    advance(Duration.ofSeconds(30));
    assertEquals(Action.NONE, p.evaluate(now, view(MemoryState.CRITICAL, 250, null, false), 80.0).action());
    advance(Duration.ofSeconds(30));
    assertEquals(Action.NONE, p.evaluate(now, view(MemoryState.CRITICAL, 250, null, false), 80.0).action());
    advance(Duration.ofSeconds(30));
    assertEquals(Action.NONE, p.evaluate(now, view(MemoryState.CRITICAL, 250, null, false), 80.0).action());
  }

  @Test
  void aManualRecycleIsDueAtOnceWithTheUsualPath() {
    RecycleDecision d = new RecyclePolicy(opts, true).manual(view(MemoryState.OK, 100, null, false), 80.0);
    assertEquals(Action.RECYCLE, d.action());
    assertEquals(RecyclePath.OVERLAP, d.path());
    assertEquals("requested by hand (POST /sidecar/app/recycle)", d.reason());
  }

  @Test
  void readsTheMemoryDocument() {
    JsonObject doc = new JsonObject().put("state", "warning").put("rss_mib", 420.5).put("limit_mib", 512.0)
        .put("trend_mib_per_hour", 30.0).put("steady", true)
        .put("samples", new JsonArray().add(new JsonObject().put("t", "2026-12-07T12:00:00Z").put("rss_mib", 420.5)));
    MemoryView v = MemoryView.of(doc);
    assertEquals(new MemoryView(now, MemoryState.WARNING, 420.5, 512.0, 30.0, true), v);
    assertNull(MemoryView.of(new JsonObject().put("state", "unknown").put("rss_mib", null).put("samples", new JsonArray())));
  }

  @Test
  void badOptionsNameTheKey() {
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> opts.withAt(MemoryState.OK));
    assertEquals("recycle.at = OK: expected warning or critical", e.getMessage());
    e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> opts.withMargin(1.5));
    assertTrue(e.getMessage().startsWith("recycle.margin = 1.5"));
  }
}
