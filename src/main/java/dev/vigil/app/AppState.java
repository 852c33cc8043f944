package dev.vigil.app;

import java.util.Locale;

/** The supervised app's state, as the health {@code app} block shows it. */
public enum AppState {
  /** The first child is starting and has not answered its health path yet. */
  STARTING,
  /** The child answered its health path with 200. */
  UP,
  /** A child exited; the next one is waiting out the back-off or starting. */
  RESTARTING,
  /** No child runs and none will be started (stopped, or the policy said no). */
  STOPPED;

  /** {@code starting | up | restarting | stopped}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
