package dev.vigil.app.recycle;

import java.util.Locale;

/** How a recycle keeps requests from failing. */
public enum RecyclePath {
  /** Blue/green: a second child starts on a new port, new requests go to it, the old one drains. */
  OVERLAP,
  /** No room for two: new requests wait in the hold gate while the old child drains and a new one starts. */
  HOLD;

  /** {@code overlap | hold}, as in health JSON and the metric's {@code path} tag. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
