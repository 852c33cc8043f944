package dev.vigil.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.app.recycle.RecycleOptions;
import dev.vigil.memory.MemoryState;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code recycle.*} keys: defaults, overrides from every source, and one line naming a bad key. */
class RecycleConfigTest {

  static VigilConfig load(Map<String, String> env, Map<String, String> overrides) {
    return ConfigLoader.load(null, env, overrides, w -> { });
  }

  @Test
  void defaultsAreTheContractsAndTheOptionsRecords() {
    RecycleOptions r = load(Map.of(), Map.of()).recycle();
    assertFalse(r.enabled());
    assertEquals(MemoryState.CRITICAL, r.at());
    assertEquals(Duration.ofMinutes(10), r.horizon());
    assertEquals(Duration.ofMinutes(5), r.minInterval());
    assertEquals(0.10, r.margin(), 1e-9);
    assertEquals(1, r.maxConcurrent());
    assertEquals(Duration.ofMinutes(1), r.baselineAfter());
    assertEquals(Duration.ofMinutes(2), r.lead());
    assertEquals(RecycleOptions.defaults(), r);
  }

  @Test
  void everyKeyCanBeSet() {
    RecycleOptions r = load(Map.of("VIGIL_RECYCLE_ENABLED", "true", "VIGIL_RECYCLE_AT", "warning"),
        Map.of("recycle.horizon", "30m", "recycle.minInterval", "0s", "recycle.margin", "0.2",
            "recycle.maxConcurrent", "3", "recycle.baselineAfter", "5s", "recycle.lead", "20s")).recycle();
    assertTrue(r.enabled());
    assertEquals(MemoryState.WARNING, r.at());
    assertEquals(Duration.ofMinutes(30), r.horizon());
    assertEquals(Duration.ZERO, r.minInterval());
    assertEquals(0.2, r.margin(), 1e-9);
    assertEquals(3, r.maxConcurrent());
    assertEquals(Duration.ofSeconds(5), r.baselineAfter());
    assertEquals(Duration.ofSeconds(20), r.lead());
  }

  @Test
  void aBadValueNamesItsKey() {
    assertBad("recycle.at", "ok", "recycle.at = \"ok\" (from command line): expected warning or critical");
    assertBad("recycle.margin", "95%", "recycle.margin = \"95%\"");
    assertBad("recycle.maxConcurrent", "0", "recycle.maxConcurrent = \"0\"");
    assertBad("recycle.horizon", "soon", "recycle.horizon = \"soon\"");
    assertBad("recycle.enabled", "yes", "recycle.enabled = \"yes\"");
    assertBad("recycle.baselineAfter", "0s", "recycle.baselineAfter = \"0s\"");
    assertBad("recycle.lead", "later", "recycle.lead = \"later\"");
  }

  private static void assertBad(String key, String value, String start) {
    ConfigException e = assertThrows(ConfigException.class, () -> load(Map.of(), Map.of(key, value)));
    assertTrue(e.getMessage().contains(start), e.getMessage());
    assertEquals(1, e.getMessage().lines().filter(l -> l.contains("recycle.")).count(), e.getMessage());
  }
}
