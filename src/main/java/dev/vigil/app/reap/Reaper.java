package dev.vigil.app.reap;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Collects orphaned zombies, the duty of an init (tini, {@code docker run --init}) that Vigil takes
 * on in run mode.
 *
 * <p>Why: a process whose parent died is re-parented to PID 1 of its PID namespace (or to the
 * nearest "child subreaper"); when it exits, it stays a zombie until that parent waits for it. The
 * JVM waits only for the processes it started, so as a container's PID 1 Vigil would pile up the
 * zombies a gunicorn master, a shell or a daemonizing app leaves behind, until the pid table is full.
 *
 * <p>How: Java 17 has no {@code waitpid(-1)}, and calling it would steal the exit status of the
 * app itself from the JDK (see {@link JavaChildren}). So a scan reads {@code /proc/*}{@code /stat},
 * keeps the zombies whose parent is Vigil, and calls {@code waitpid(pid, WNOHANG)} (JNA) on each one
 * that Vigil did not start and that was already a zombie at a scan {@link #GRACE_MS} ms or more earlier (a second guard, for
 * a process some library might start without the registry: the JDK collects its own children within
 * moments, an orphan stays a zombie until someone waits). Scans run on one daemon thread, every
 * {@link #INTERVAL_MS} ms and soon after {@link #poke()}, never on an event loop; each reads at most
 * {@link #MAX_ENTRIES} {@code /proc} entries and collects at most {@link #MAX_PER_SCAN} zombies.
 *
 * <p>When: only in run mode, and only where it matters: as PID 1, or, when Vigil is not PID 1, after
 * making itself a child subreaper ({@code prctl(PR_SET_CHILD_SUBREAPER)}) so that the orphans of
 * the app come to Vigil rather than to an init that may not reap them. JNA loads then and only then.
 */
public final class Reaper implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger(Reaper.class.getName());

  static final long INTERVAL_MS = 1000;
  static final int MAX_ENTRIES = 65_536;
  static final int MAX_PER_SCAN = 256;
  /** A new zombie is collected at the scan after next seeing it, this much later at the soonest. */
  static final long GRACE_MS = 100;

  /** Why Vigil reaps. */
  public enum Role {
    /** PID 1 of its PID namespace: every orphan of the namespace comes to Vigil. */
    PID1,
    /** A child subreaper: orphans of Vigil's descendants come to Vigil. */
    SUBREAPER
  }

  private final JavaChildren javaChildren;
  private final Path proc;
  private final long self;
  private final boolean grace;
  private final AtomicBoolean scanQueued = new AtomicBoolean();
  private final AtomicLong reaped = new AtomicLong();
  // Only touched on the reaper thread.
  private Set<Long> zombiesLastScan = Set.of();
  private volatile Role role;
  private ScheduledExecutorService thread;

  /**
   * @param javaChildren the processes Vigil started: never reaped here
   */
  public Reaper(JavaChildren javaChildren) {
    this(javaChildren, Path.of("/proc"), ProcessHandle.current().pid(), true);
  }

  /** @param grace false only in tests: collect a zombie at the first scan that sees it */
  Reaper(JavaChildren javaChildren, Path proc, long self, boolean grace) {
    this.javaChildren = javaChildren;
    this.proc = proc;
    this.self = self;
    this.grace = grace;
  }

  /**
   * Blocking (loads JNA, a {@code prctl}): becomes PID 1's reaper or a child subreaper and starts
   * the scans. Call it before the app starts, so that its first orphans already come here.
   *
   * @return the role, or null when reaping is not possible here (logged; the app still runs)
   */
  public synchronized Role start() {
    if (thread != null) {
      return role;
    }
    Role r;
    try {
      if (self == 1) {
        LibC.INSTANCE.getClass(); // loads JNA and libc now: a failure shows at start, not per zombie
        r = Role.PID1;
      } else {
        LibC.INSTANCE.prctl(LibC.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        r = Role.SUBREAPER;
      }
    } catch (LinkageError | RuntimeException e) { // no native library for this platform, a refused prctl
      LOG.log(System.Logger.Level.WARNING, "cannot reap orphaned processes (" + e + ")");
      return null;
    }
    role = r;
    thread = Executors.newSingleThreadScheduledExecutor(task -> {
      Thread t = new Thread(task, "vigil-reaper");
      t.setDaemon(true);
      return t;
    });
    thread.scheduleWithFixedDelay(this::scanQuietly, INTERVAL_MS, INTERVAL_MS, TimeUnit.MILLISECONDS);
    return r;
  }

  /** The role once started, or null. */
  public Role role() {
    return role;
  }

  /** Orphans collected so far. */
  public long reaped() {
    return reaped.get();
  }

  /** Asks for a scan now (e.g. the app's leader died and its group was killed); cheap, never blocks. */
  public void poke() {
    scanIn(0);
  }

  private void scanIn(long delayMs) {
    ScheduledExecutorService t;
    synchronized (this) {
      t = thread;
    }
    if (t != null && scanQueued.compareAndSet(false, true)) {
      try {
        t.schedule(() -> {
          scanQueued.set(false);
          scanQuietly();
        }, delayMs, TimeUnit.MILLISECONDS);
      } catch (RuntimeException closed) {
        scanQueued.set(false);
      }
    }
  }

  /** Stops the scans; a subreaper stops being one (later orphans go to init again). */
  @Override
  public synchronized void close() {
    if (thread != null) {
      thread.shutdownNow();
      if (role == Role.SUBREAPER) {
        try {
          LibC.INSTANCE.prctl(LibC.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
        } catch (RuntimeException e) {
          LOG.log(System.Logger.Level.DEBUG, "PR_SET_CHILD_SUBREAPER 0 failed: " + e);
        }
      }
      role = null;
    }
  }

  private void scanQuietly() {
    try {
      scan();
    } catch (RuntimeException | Error e) {
      LOG.log(System.Logger.Level.WARNING, "reaping orphaned processes failed", e);
    }
  }

  /**
   * One scan (on the reaper thread): collects the zombie children that are neither Java's nor new.
   *
   * @return the pids collected
   */
  List<Long> scan() {
    List<Long> zombies = zombieChildren(proc, self, MAX_ENTRIES);
    List<Long> done = new ArrayList<>();
    Set<Long> seen = new HashSet<>();
    boolean fresh = false;
    int[] status = new int[1];
    for (long pid : zombies) {
      if (seen.size() == MAX_PER_SCAN) {
        break;
      }
      seen.add(pid);
      if (grace && !zombiesLastScan.contains(pid)) {
        fresh = true; // give the JDK its moment in case some code started it without JavaChildren
        continue;
      }
      if (javaChildren.unlessJavaStarted(pid, p -> waitNoHang(p, status))) {
        done.add(pid);
        reaped.incrementAndGet();
        LOG.log(System.Logger.Level.DEBUG, "reaped orphan " + pid + ": " + describe(status[0]));
      }
    }
    seen.removeAll(done);
    zombiesLastScan = Set.copyOf(seen);
    if (fresh) {
      scanIn(GRACE_MS); // collects the new ones without waiting a full interval
    }
    return done;
  }

  private static boolean waitNoHang(long pid, int[] status) {
    try {
      return LibC.INSTANCE.waitpid((int) pid, status, LibC.WNOHANG) == pid;
    } catch (RuntimeException e) { // ECHILD: someone else collected it meanwhile
      return false;
    }
  }

  /** "exit 3" or "signal 9", like tini's log. */
  static String describe(int status) {
    int sig = status & 0x7f;
    return sig == 0 ? "exit " + ((status >> 8) & 0xff) : "signal " + sig;
  }

  /**
   * Blocking: the pids of the zombies whose parent is {@code parent}, reading at most
   * {@code maxEntries} entries of {@code proc}.
   */
  static List<Long> zombieChildren(Path proc, long parent, int maxEntries) {
    List<Long> out = new ArrayList<>();
    int entries = 0;
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(proc)) {
      for (Path p : dir) {
        if (++entries > maxEntries) {
          break;
        }
        String name = p.getFileName().toString();
        if (name.isEmpty() || !Character.isDigit(name.charAt(0))) {
          continue;
        }
        ProcStat st;
        try {
          st = ProcStat.parse(Files.readString(p.resolve("stat")));
        } catch (IOException | RuntimeException gone) {
          continue; // the process ended while we looked
        }
        if (st != null && st.zombie() && st.ppid() == parent) {
          out.add(st.pid());
        }
      }
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "cannot list " + proc + ": " + e);
    }
    return out;
  }
}
