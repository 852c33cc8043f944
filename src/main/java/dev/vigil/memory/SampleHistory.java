package dev.vigil.memory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Fixed-capacity ring of samples, oldest first; the oldest is overwritten when full. Not
 * thread-safe: the owner serialises access.
 */
final class SampleHistory {

  private final MemorySample[] ring;
  private int start;
  private int size;

  SampleHistory(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity = " + capacity + "; must be at least 1");
    }
    ring = new MemorySample[capacity];
  }

  void add(MemorySample s) {
    if (size < ring.length) {
      ring[(start + size) % ring.length] = s;
      size++;
    } else {
      ring[start] = s;
      start = (start + 1) % ring.length;
    }
  }

  /**
   * Merges older samples (e.g. restored after a restart) with the current ones, ordered by time,
   * keeping the newest {@code capacity}.
   */
  void preload(List<MemorySample> older) {
    List<MemorySample> all = new ArrayList<>(older);
    all.addAll(toList());
    all.sort(Comparator.comparing(MemorySample::t));
    clear();
    for (MemorySample s : all.subList(Math.max(0, all.size() - ring.length), all.size())) {
      add(s);
    }
  }

  void clear() {
    java.util.Arrays.fill(ring, null);
    start = 0;
    size = 0;
  }

  int size() {
    return size;
  }

  int capacity() {
    return ring.length;
  }

  MemorySample latest() {
    return size == 0 ? null : ring[(start + size - 1) % ring.length];
  }

  /** A copy, oldest first. */
  List<MemorySample> toList() {
    List<MemorySample> out = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      out.add(ring[(start + i) % ring.length]);
    }
    return out;
  }
}
