package dev.vigil.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SampleHistoryTest {

  private static MemorySample at(long s, double v) {
    return new MemorySample(Instant.ofEpochSecond(1_000_000 + s), v);
  }

  @Test
  void keepsOnlyTheNewestCapacity() {
    SampleHistory h = new SampleHistory(5);
    for (int i = 1; i <= 12; i++) {
      h.add(at(i, i));
    }
    assertEquals(5, h.size());
    assertEquals(List.of(8.0, 9.0, 10.0, 11.0, 12.0), h.toList().stream().map(MemorySample::rssMiB).toList());
    assertEquals(12.0, h.latest().rssMiB());
  }

  @Test
  void floodStaysBounded() {
    SampleHistory h = new SampleHistory(720);
    for (int i = 0; i < 1_000_000; i++) {
      h.add(at(i, 1 + i % 100));
    }
    assertEquals(720, h.size());
    assertEquals(720, h.toList().size());
  }

  @Test
  void preloadMergesByTimeAndKeepsNewest() {
    SampleHistory h = new SampleHistory(4);
    h.add(at(10, 10));
    h.add(at(11, 11));
    List<MemorySample> old = new ArrayList<>();
    for (int i = 1; i <= 5; i++) {
      old.add(at(i, i));
    }
    h.preload(old);
    assertEquals(List.of(4.0, 5.0, 10.0, 11.0), h.toList().stream().map(MemorySample::rssMiB).toList());
  }
}
