package dev.vigil.app;

import java.time.Duration;
import java.time.Instant;

/**
 * How a child ended.
 *
 * @param t          when the exit was seen
 * @param pid        the child's pid (also its process group)
 * @param exitCode   the exit code, or null when a signal ended it
 * @param signal     the signal number that ended it, or null
 * @param oomKilled  SIGKILL while the cgroup's {@code oom_kill} count rose: the kernel's OOM killer
 * @param requested  the supervisor asked it to stop ({@link AppSupervisor#stop()})
 * @param uptime     how long it ran
 * @param limitBytes the memory limit of the child's cgroup when it ended, or null when none or unknown
 */
public record AppExit(Instant t, long pid, Integer exitCode, Integer signal, boolean oomKilled, boolean requested,
    Duration uptime, Long limitBytes) {

  /** Java reports a child killed by signal N as exit value 128 + N. */
  static AppExit of(Instant t, long pid, int javaExitValue, boolean oomKilled, boolean requested, Duration uptime,
      Long limitBytes) {
    boolean signalled = javaExitValue > 128 && javaExitValue < 128 + 65;
    return new AppExit(t, pid, signalled ? null : javaExitValue, signalled ? javaExitValue - 128 : null,
        oomKilled, requested, uptime, limitBytes);
  }

  /** Exit code 0. */
  public boolean clean() {
    return exitCode != null && exitCode == 0;
  }

  /** {@code stopped} when asked to, {@code oom_killed}, else {@code crash} (any exit on its own, 0 included). */
  public String reason() {
    return requested ? "stopped" : oomKilled ? "oom_killed" : "crash";
  }

  /** {@code "exit code 3"}, {@code "signal 9 (SIGKILL)"}. */
  public String status() {
    if (signal == null) {
      return "exit code " + exitCode;
    }
    String name = switch (signal) {
      case 1 -> "SIGHUP";
      case 2 -> "SIGINT";
      case 6 -> "SIGABRT";
      case 9 -> "SIGKILL";
      case 11 -> "SIGSEGV";
      case 15 -> "SIGTERM";
      default -> null;
    };
    return "signal " + signal + (name == null ? "" : " (" + name + ")");
  }
}
