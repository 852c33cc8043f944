package dev.vigil.memory;

import java.util.Locale;

/** Memory state as reported in health JSON; {@code UNKNOWN} while there is no valid, fresh sample. */
public enum MemoryState {
  UNKNOWN, OK, WARNING, CRITICAL;

  /** The lower-case name used in JSON: {@code ok | warning | critical | unknown}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  boolean atLeast(MemoryState other) {
    return ordinal() >= other.ordinal();
  }
}
