package dev.vigil.app.reap;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * app itself from the JDK (see {@link JavaChildren}). So a scan reads the {@code /proc/PID/stat} of
 * Vigil's children (see {@link #zombieChildren}), keeps the zombies among them, and calls {@code waitpid(pid, WNOHANG)} (JNA) on each one
 * that Vigil did not start and that a scan at least {@link #GRACE_MS} ms earlier saw as a zombie
 * already (a second guard, for a process some library might start without the registry: the JDK
 * collects its own children within moments, an orphan stays a zombie until someone waits). Scans run on one daemon thread, every
 * {@link #INTERVAL_MS} ms and soon after {@link #poke()}, never on an event loop; each reads at most
 * {@link #MAX_ENTRIES} processes and collects at most {@link #MAX_PER_SCAN} zombies.
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
  /** A zombie is collected this long after a scan first saw it, at the soonest. */
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
  // Only touched by scan(), one at a time: when each zombie not collected yet was first seen (nanoTime).
  private Map<Long, Long> firstSeen = Map.of();
  private volatile Role role;
  private volatile ScheduledExecutorService thread; // written under the lock; poke() reads it without

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
    ScheduledExecutorService t = thread;
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
    long now = System.nanoTime();
    List<Long> done = new ArrayList<>();
    Map<Long, Long> waiting = new HashMap<>();
    int[] status = new int[1];
    for (long pid : zombies) {
      if (done.size() + waiting.size() == MAX_PER_SCAN) {
        break;
      }
      long since = firstSeen.getOrDefault(pid, now);
      if (grace && now - since < TimeUnit.MILLISECONDS.toNanos(GRACE_MS)) {
        waiting.put(pid, since); // give the JDK its moment in case some code started it without JavaChildren
      } else if (javaChildren.unlessJavaStarted(pid, p -> waitNoHang(p, status))) {
        done.add(pid);
        reaped.incrementAndGet();
        LOG.log(System.Logger.Level.DEBUG, "reaped orphan " + pid + ": " + describe(status[0]));
      } else {
        waiting.put(pid, since);
      }
    }
    firstSeen = Map.copyOf(waiting);
    long graceNanos = TimeUnit.MILLISECONDS.toNanos(GRACE_MS);
    if (grace && waiting.values().stream().anyMatch(t -> now - t < graceNanos)) {
      scanIn(GRACE_MS); // zombies in their grace: collect them without waiting a full interval
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
   * {@code maxEntries} candidates. The candidates are the kernel's list of each of the parent's
   * threads' children ({@code /proc/PID/task/TID/children}), so that the work grows with Vigil's
   * children and threads, not with every process of the host; without that file (a kernel built
   * without {@code CONFIG_PROC_CHILDREN}) every {@code /proc} entry.
   */
  static List<Long> zombieChildren(Path proc, long parent, int maxEntries) {
    List<Long> out = new ArrayList<>();
    List<Path> candidates = childrenOf(proc, parent, maxEntries);
    if (candidates == null) {
      candidates = allProcesses(proc, maxEntries);
    }
    for (Path p : candidates) {
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
    return out;
  }

  /** The {@code /proc} dirs of the children of every thread of {@code pid}; null when the kernel does not list them. */
  private static List<Path> childrenOf(Path proc, long pid, int max) {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> tasks = Files.newDirectoryStream(proc.resolve(Long.toString(pid)).resolve("task"))) {
      for (Path task : tasks) {
        Path children = task.resolve("children");
        String list;
        try {
          list = Files.readString(children);
        } catch (java.nio.file.NoSuchFileException e) {
          if (Files.exists(task)) {
            return null; // the thread is there, the file is not: not supported
          }
          continue; // the thread ended
        }
        for (String child : list.trim().split(" ")) {
          if (!child.isEmpty() && out.size() < max) {
            out.add(proc.resolve(child));
          }
        }
      }
    } catch (IOException e) {
      return null;
    }
    return out;
  }

  private static List<Path> allProcesses(Path proc, int max) {
    List<Path> out = new ArrayList<>();
    try (DirectoryStream<Path> dir = Files.newDirectoryStream(proc,
        p -> !p.getFileName().toString().isEmpty() && Character.isDigit(p.getFileName().toString().charAt(0)))) {
      for (Path p : dir) {
        if (out.size() == max) {
          break;
        }
        out.add(p);
      }
    } catch (IOException e) {
      LOG.log(System.Logger.Level.DEBUG, "cannot list " + proc + ": " + e);
    }
    return out;
  }
}
