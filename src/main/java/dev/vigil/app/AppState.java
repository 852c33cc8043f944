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
  /** A recycle is replacing the child (issue 14): the old one drains while a new one starts. */
  RECYCLING,
  /** No child runs and none will be started (stopped, or the policy said no). */
  STOPPED;

  /** {@code starting | up | restarting | recycling | stopped}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
