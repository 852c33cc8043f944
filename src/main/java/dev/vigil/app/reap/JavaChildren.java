package dev.vigil.app.reap;

import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import java.util.function.LongPredicate;

/**
 * The processes Vigil starts with {@link ProcessBuilder}, so that the {@link Reaper} never collects
 * one of them.
 *
 * <p>Why a registry: for every {@link Process} it starts, the JDK runs a "process reaper" thread
 * blocked in {@code waitpid(pid)}; that call is where {@link Process#exitValue()} and
 * {@link Process#onExit()} come from. Had the reaper collected the zombie first, the JDK would get
 * {@code ECHILD} and the app's real exit code (and with it the crash/OOM classification) would be
 * lost. Between the child's death and that thread's {@code waitpid} the pid is briefly a zombie
 * whose parent is Vigil, exactly like an orphan, and Java offers no public way to ask whether it
 * started a pid ({@link ProcessHandle} sees every process alike). So every process Vigil starts goes
 * through {@link #start}, and a pid leaves the registry only once the JDK has collected it.
 *
 * <p>Size: one entry per live process Vigil started (the app and short-lived {@code kill} shells).
 * Thread-safe; {@link #start} blocks (fork/exec): call it off the event loop.
 */
public final class JavaChildren {

  private final Set<Long> pids = new HashSet<>();

  /**
   * Starts {@code pb} and registers the pid before any {@link #unlessJavaStarted} can look at it
   * (the lock is held from fork to registration).
   */
  public Process start(ProcessBuilder pb) throws IOException {
    Process p;
    synchronized (this) {
      p = pb.start();
      pids.add(p.pid());
    }
    long pid = p.pid();
    // Completes after the JDK's waitpid returned: only then may the pid (or its reuse) be reaped.
    p.onExit().whenComplete((x, err) -> forget(pid));
    return p;
  }

  /** True when {@code pid} was started here and the JDK has not collected it yet. */
  public synchronized boolean javaStarted(long pid) {
    return pids.contains(pid);
  }

  /**
   * Runs {@code reap} on {@code pid} unless it was started here, holding the lock so that no start
   * can register a fresh pid in between. {@code reap} must not block (a {@code WNOHANG} wait).
   *
   * @return what {@code reap} returned, or false when the pid is Java's
   */
  synchronized boolean unlessJavaStarted(long pid, LongPredicate reap) {
    return !pids.contains(pid) && reap.test(pid);
  }

  private synchronized void forget(long pid) {
    pids.remove(pid);
  }
}
