package dev.vigil.health;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class HealthAggregatorTest {

  private final Clock clock = Clock.fixed(Instant.parse("2026-11-22T10:00:00Z"), ZoneOffset.UTC);

  @Test
  void worstFindingDecidesStatusAndEverySentenceIsListed() {
    HealthAggregator agg = new HealthAggregator(clock)
        .add("a", () -> new JsonObject().put("x", 1), () -> List.of(Finding.note("just so you know")))
        .add("b", JsonObject::new, () -> List.of(Finding.degraded("b is slow")));
    JsonObject report = agg.report();
    assertEquals("degraded", report.getString("status"));
    assertEquals(List.of("just so you know", "b is slow"), report.getJsonArray("issues").getList());
    assertEquals(1, report.getJsonObject("a").getInteger("x"));
    assertEquals(200, HealthAggregator.httpStatus(report));

    agg.add("c", JsonObject::new, () -> List.of(Finding.unhealthy("c is down")));
    report = agg.report();
    assertEquals("unhealthy", report.getString("status"));
    assertEquals(503, HealthAggregator.httpStatus(report));
  }

  @Test
  void componentThatThrowsIsReportedNotPropagated() {
    HealthAggregator agg = new HealthAggregator(clock)
        .add("broken", () -> {
          throw new IllegalStateException("boom");
        }, List::of);
    JsonObject report = agg.report();
    assertEquals("degraded", report.getString("status"));
    assertEquals("2026-11-22T10:00:00Z", report.getString("timestamp"));
  }
}
