package dev.vigil.overload;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class HeapGuardTest {

  @Test
  void shedsAboveThresholdAndRecoversWithHysteresis() {
    AtomicLong live = new AtomicLong(50);
    HeapGuard guard = new HeapGuard(90, live::get, 100);
    guard.refresh();
    assertFalse(guard.shedding());
    live.set(91);
    guard.refresh();
    assertTrue(guard.shedding());
    live.set(87); // inside the 5-point band: still shedding, no flapping
    guard.refresh();
    assertTrue(guard.shedding());
    live.set(84);
    guard.refresh();
    assertFalse(guard.shedding());
  }
}
