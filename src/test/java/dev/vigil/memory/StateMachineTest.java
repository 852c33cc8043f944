package dev.vigil.memory;

import static dev.vigil.memory.MemoryState.CRITICAL;
import static dev.vigil.memory.MemoryState.OK;
import static dev.vigil.memory.MemoryState.UNKNOWN;
import static dev.vigil.memory.MemoryState.WARNING;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class StateMachineTest {

  private final StateMachine m = new StateMachine(80, 95, Duration.ofHours(6), Duration.ofMinutes(15));

  private MemoryState pct(double p) {
    return m.update(p, null, false);
  }

  @Test
  void unknownUntilFirstSampleThenDirect() {
    assertEquals(UNKNOWN, m.state());
    assertEquals(CRITICAL, pct(97));
  }

  @Test
  void escalatesOnTwoConsecutiveSamplesNotOne() {
    assertEquals(OK, pct(50));
    assertEquals(OK, pct(85), "one sample is not enough");
    assertEquals(OK, pct(50), "the run is broken");
    assertEquals(OK, pct(85));
    assertEquals(WARNING, pct(86));
    assertEquals(WARNING, pct(96));
    assertEquals(CRITICAL, pct(96));
  }

  @Test
  void escalatesToTheLowestLevelOfTheRun() {
    pct(50);
    pct(85);
    assertEquals(WARNING, pct(99));
  }

  @Test
  void deEscalatesOnlyAfterThreeSamplesBelowThresholdMinusMargin() {
    pct(97);
    assertEquals(CRITICAL, pct(93), "inside the 5-point band: stays");
    assertEquals(CRITICAL, pct(91));
    assertEquals(CRITICAL, pct(89));
    assertEquals(CRITICAL, pct(89));
    assertEquals(WARNING, pct(89), "three samples below 90");
    assertEquals(WARNING, pct(70));
    assertEquals(WARNING, pct(70));
    assertEquals(WARNING, pct(76), "76 is within the band below 80: run broken");
    assertEquals(WARNING, pct(60));
    assertEquals(WARNING, pct(60));
    assertEquals(OK, pct(60));
  }

  @Test
  void steadyProjectionDrivesStatesOnlyWhenSteady() {
    assertEquals(OK, m.update(10.0, 600.0, false));
    assertEquals(OK, m.update(10.0, 600.0, false), "not steady: ignored");
    assertEquals(OK, m.update(10.0, 600.0, true));
    assertEquals(CRITICAL, m.update(10.0, 600.0, true), "10 min < 15 min horizon");
    assertEquals(CRITICAL, m.update(null, 1000.0, true), "within 1.25 x 15 min: stays");
    m.update(null, 3 * 3600.0, true);
    m.update(null, 3 * 3600.0, true);
    assertEquals(WARNING, m.update(null, 3 * 3600.0, true), "3 h < 6 h horizon");
  }

  @Test
  void resetReturnsToUnknown() {
    pct(90);
    m.reset();
    assertEquals(UNKNOWN, m.state());
    assertEquals(OK, pct(10));
  }
}
