package dev.vigil.app;

import java.time.Duration;

/**
 * Events of an {@link AppSupervisor}. All methods are called on the supervisor's Vert.x context,
 * one at a time; they must not block. Every method has an empty default.
 */
public interface AppListener {

  /** The state changed. */
  default void stateChanged(AppState from, AppState to) {
  }

  /** A child was started (pid == its process group id). */
  default void started(long pid) {
  }

  /**
   * The child's process is gone: called at once, before the exit is classified (which reads the
   * cgroup and kills leftovers of its group), so that requests stop going to it without delay.
   */
  default void gone(long pid) {
  }

  /**
   * A child ended.
   *
   * @param restartIn the back-off before the next child, or null when none will be started
   */
  default void exited(AppExit exit, Duration restartIn) {
  }

  /** A replacement child answered its health path: the restart is complete. */
  default void restarted(AppRestart restart) {
  }
}
