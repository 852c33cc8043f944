package dev.vigil.app;

import io.vertx.core.Future;

/**
 * Where the app's current child is in run mode: one {@link AppSupervisor} for the app's whole life,
 * or (with {@code recycle.enabled}) a recycler that replaces the supervisor by a fresh one before
 * the OOM kill. {@link AppRuntime} reads the app through this, so it follows a recycle without
 * knowing about it.
 */
public interface AppChildren {

  /** The supervisor of the child requests go to now. */
  AppSupervisor current();

  /** The app's state; {@code recycling} while a recycle replaces the child. */
  AppState state();

  /** Adds a listener that sees the current child's events only (not those of a child being replaced). */
  void addListener(AppListener listener);

  /** Starts the first child; completes once it runs. */
  Future<Void> start();

  /** Stops every child (SIGTERM to each group, SIGKILL after {@code app.stopTimeout}). */
  Future<Void> stop();

  /** One supervisor, never replaced. */
  static AppChildren of(AppSupervisor supervisor) {
    return new AppChildren() {
      @Override
      public AppSupervisor current() {
        return supervisor;
      }

      @Override
      public AppState state() {
        return supervisor.state();
      }

      @Override
      public void addListener(AppListener listener) {
        supervisor.addListener(listener);
      }

      @Override
      public Future<Void> start() {
        return supervisor.start();
      }

      @Override
      public Future<Void> stop() {
        return supervisor.stop().mapEmpty();
      }
    };
  }
}
