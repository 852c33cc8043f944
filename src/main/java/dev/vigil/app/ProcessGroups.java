package dev.vigil.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Signals to a whole process group, and small {@code /proc} writes. Everything here blocks: run it
 * through {@code executeBlocking}.
 */
final class ProcessGroups {

  private static final System.Logger LOG = System.getLogger(ProcessGroups.class.getName());

  private ProcessGroups() {
  }

  /**
   * Sends {@code signal} ({@code TERM}, {@code KILL}) to every process of group {@code pgid}, the way
   * tini forwards signals: Java can signal one pid, not a group, so this runs the shell's
   * {@code kill -s SIG -- -PGID}. Not {@code /usr/bin/kill}: procps-ng 4 reads {@code -- -27} as the
   * signal 27 and fails, and small pids are the rule in a container's PID namespace. When the shell
   * cannot be run or the kill fails, it falls back to the leader and its descendants that Java still sees.
   *
   * @return true when at least one process got the signal
   */
  static boolean signal(long pgid, String signal) {
    try {
      Process p = new ProcessBuilder("sh", "-c", "kill -s \"$1\" -- \"-$2\"", "vigil-kill", signal,
          Long.toString(pgid)).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (p.waitFor(5, TimeUnit.SECONDS)) {
        if (p.exitValue() == 0) {
          return true;
        }
        if (ProcessHandle.of(pgid).isEmpty()) {
          return false; // the group is gone already
        }
        LOG.log(System.Logger.Level.WARNING, "kill -s " + signal + " -- -" + pgid + " failed; signalling the app's"
            + " processes one by one");
        return signalEach(pgid, signal);
      }
      p.destroyForcibly();
    } catch (IOException e) {
      LOG.log(System.Logger.Level.WARNING, "cannot run kill (" + e.getMessage() + "); signalling the app's processes one by one");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return signalEach(pgid, signal);
  }

  /** The fallback: the leader and the descendants Java sees, one by one (not atomic, unlike a group kill). */
  private static boolean signalEach(long pgid, String signal) {
    boolean force = signal.equals("KILL");
    return ProcessHandle.of(pgid).map(h -> {
      h.descendants().forEach(d -> {
        if (force) {
          d.destroyForcibly();
        } else {
          d.destroy();
        }
      });
      return force ? h.destroyForcibly() : h.destroy();
    }).orElse(false);
  }

  /**
   * Writes {@code /proc/PID/oom_score_adj}. Raising it needs no privilege; lowering does. Returns
   * false (and logs) when the process is gone or the write is refused.
   */
  static boolean setOomScoreAdj(long pid, int adj) {
    try {
      Files.writeString(Path.of("/proc", Long.toString(pid), "oom_score_adj"), Integer.toString(adj));
      return true;
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "oom_score_adj of " + pid + " not set: " + e);
      return false;
    }
  }
}
