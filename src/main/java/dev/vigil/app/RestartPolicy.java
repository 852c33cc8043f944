package dev.vigil.app;

import java.util.Locale;

/** When a child that exited on its own is started again ({@code app.restart.policy}). */
public enum RestartPolicy {
  /** Always, whatever the exit status. */
  ALWAYS,
  /** Only after a non-zero exit code or a signal. */
  ON_FAILURE,
  /** Never: the supervisor stops. */
  NEVER;

  /** {@code always | on-failure | never}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Parses {@code always | on-failure | never}; throws {@link IllegalArgumentException} naming the value. */
  public static RestartPolicy parse(String s) {
    for (RestartPolicy p : values()) {
      if (p.label().equals(s)) {
        return p;
      }
    }
    throw new IllegalArgumentException("restart policy must be always, on-failure or never, not '" + s + "'");
  }

  boolean restarts(AppExit exit) {
    return this == ALWAYS || this == ON_FAILURE && !exit.clean();
  }
}
