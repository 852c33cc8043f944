package dev.vigil.app.recycle;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** What a recycle looks like in health JSON and in {@code issues}. */
class RecycleRecordTest {

  final RecycleRecord overlap = new RecycleRecord(Instant.parse("2026-12-07T14:02:10Z"),
      "the 512 MiB limit is 11 min away at 60.0 MiB/h (recycle.horizon 15 min)", RecyclePath.OVERLAP, 471.26, 88.04,
      Duration.ofMillis(2140), 0, 0, null);

  @Test
  void theSentenceSaysWhenHowFarFromTheLimitAndWhatFailed() {
    assertEquals("recycled the app at 14:02, 11 min before its 512 MiB limit (overlap: the 512 MiB limit is 11 min"
        + " away at 60.0 MiB/h (recycle.horizon 15 min)) in 2.1 s; 0 requests failed", overlap.sentence(512.0, 660.0));
    RecycleRecord hold = new RecycleRecord(Instant.parse("2026-12-07T09:30:00Z"), "memory is critical",
        RecyclePath.HOLD, null, null, Duration.ofSeconds(3), 37, 0, null);
    assertEquals("recycled the app at 09:30 before its 512 MiB limit (hold: memory is critical) in 3.0 s;"
        + " 37 requests waited, 0 requests failed", hold.sentence(512.0, null));
    RecycleRecord failed = new RecycleRecord(Instant.parse("2026-12-07T09:30:00Z"), "memory is critical",
        RecyclePath.OVERLAP, 400.0, null, Duration.ofSeconds(20), 0, 0, "the new app did not answer its health path"
        + " within 20 s");
    assertEquals("recycling the app at 09:30 did not complete: the new app did not answer its health path within 20 s",
        failed.sentence(512.0, 600.0));
  }

  @Test
  void theHealthBlockHasTheContractsFields() {
    assertEquals(new JsonObject().put("t", "2026-12-07T14:02:10Z").put("reason", overlap.reason())
        .put("path", "overlap").putNull("path_reason").put("rss_before_mib", 471.3).put("rss_after_mib", 88.0).put("duration_s", 2.1)
        .put("held", 0L).put("failed", 0L).putNull("error"), overlap.toJson());
    String why = "400 MiB + 60 MiB baseline + 51.2 MiB margin = 511.2 MiB fits under the 512 MiB limit";
    assertEquals(why, overlap.withPathReason(why).toJson().getString("path_reason"));
  }
}
