package dev.vigil.app;

import java.time.Duration;
import java.time.Instant;

/**
 * A completed restart: the child that died and how long until its replacement answered 200.
 *
 * @param exit           how the old child ended (time, reason, exit code or signal)
 * @param backoff        the back-off waited before the new child was started
 * @param newPid         the new child's pid
 * @param timeToHealthy  from the old child's exit to the new child's first 200
 */
public record AppRestart(AppExit exit, Duration backoff, long newPid, Duration timeToHealthy) {

  /** When the old child died. */
  public Instant t() {
    return exit.t();
  }

  /** {@code crash} or {@code oom_killed}. */
  public String reason() {
    return exit.reason();
  }
}
