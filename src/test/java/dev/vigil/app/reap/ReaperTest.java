package dev.vigil.app.reap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reaper in this JVM (not PID 1, so as a child subreaper), against real processes. */
class ReaperTest {

  static final long SELF = ProcessHandle.current().pid();

  @Test
  void procStatIsReadAfterTheLastParenthesisOfTheCommand() {
    assertEquals(new ProcStat(42, 'Z', 1), ProcStat.parse("42 (a (b) c) Z 1 42 42 0 -1 4194572 0"));
    assertEquals(new ProcStat(7, 'S', 3), ProcStat.parse("7 (sleep) S 3 7 7 0 -1"));
    assertNull(ProcStat.parse(""));
    assertNull(ProcStat.parse("7 (trunc"));
  }

  @Test
  void zombieChildrenComeFromTheThreadsChildrenListsOrElseFromEveryProcess(@TempDir Path proc) throws Exception {
    writeStat(proc, "5 (gunicorn: worker) Z 1 5 5 0");
    writeStat(proc, "6 (sleep) S 1 6 6 0");
    writeStat(proc, "7 (other) Z 3 7 7 0");
    writeStat(proc, "8 (not listed) Z 1 8 8 0");
    Files.createDirectories(proc.resolve("1/task/1"));
    Files.createDirectories(proc.resolve("1/task/2"));
    // Without children files (no CONFIG_PROC_CHILDREN): every process is looked at.
    assertEquals(List.of(5L, 8L), Reaper.zombieChildren(proc, 1, 100).stream().sorted().toList());
    Files.writeString(proc.resolve("1/task/1/children"), "5 6 ");
    Files.writeString(proc.resolve("1/task/2/children"), "");
    assertEquals(List.of(5L), Reaper.zombieChildren(proc, 1, 100), "only the children the kernel lists");
    assertEquals(List.of(), Reaper.zombieChildren(proc, 1, 0), "bounded");
  }

  static void writeStat(Path proc, String stat) throws Exception {
    Path dir = proc.resolve(stat.substring(0, stat.indexOf(' ')));
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("stat"), stat);
  }

  @Test
  void waitStatusesAreSaidLikeTini() {
    assertEquals("exit 3", Reaper.describe(3 << 8));
    assertEquals("signal 9", Reaper.describe(9));
  }

  @Test
  void asAChildSubreaperItCollectsTheZombieOfAnOrphanedGrandchild() throws Exception {
    JavaChildren children = new JavaChildren();
    try (Reaper reaper = new Reaper(children)) {
      assertEquals(Reaper.Role.SUBREAPER, reaper.start());

      // sh starts sleep in the background and exits: sleep is orphaned and, Vigil being a
      // subreaper, re-parented to this JVM instead of to init.
      Process sh = children.start(new ProcessBuilder("sh", "-c", "sleep 300 & echo $!"));
      long orphan;
      try (BufferedReader r = new BufferedReader(new InputStreamReader(sh.getInputStream(), StandardCharsets.UTF_8))) {
        orphan = Long.parseLong(r.readLine().trim());
      }
      assertTrue(sh.waitFor(10, TimeUnit.SECONDS));
      assertEquals(0, sh.exitValue(), "the JDK still gets the exit code of what it started");
      waitUntil("the orphan re-parented to this JVM", 10, () -> ppid(orphan) == SELF);

      ProcessHandle.of(orphan).orElseThrow().destroyForcibly(); // now a zombie whose parent is this JVM
      waitUntil("the zombie collected", 10, () -> !Files.exists(Path.of("/proc", Long.toString(orphan))));
      assertTrue(reaper.reaped() >= 1);
    }
  }

  @Test
  void aPidJavaStartedIsNotOfferedToTheReaperUntilTheJdkCollectedIt() throws Exception {
    JavaChildren children = new JavaChildren();
    Process p = children.start(new ProcessBuilder("sleep", "30"));
    assertTrue(children.javaStarted(p.pid()));
    assertEquals(false, children.unlessJavaStarted(p.pid(), pid -> {
      throw new AssertionError("offered a pid Java started");
    }));
    p.destroyForcibly();
    assertEquals(137, p.onExit().get(10, TimeUnit.SECONDS).exitValue(), "the JDK got the exit status");
    waitUntil("the pid forgotten once the JDK collected it", 10, () -> !children.javaStarted(p.pid()));
    assertTrue(children.unlessJavaStarted(p.pid(), pid -> true), "a reused pid is the reaper's again");
  }

  /**
   * Regression guard rather than a proof: the JDK's own reaper thread, already blocked in
   * {@code waitpid}, nearly always wins; this makes sure constant scans never cost an exit code.
   */
  @Test
  void exitCodesOfWhatJavaStartedSurviveConstantScans() throws Exception {
    JavaChildren children = new JavaChildren();
    Reaper reaper = new Reaper(children, Path.of("/proc"), SELF, false); // no grace: only the registry protects
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong scans = new AtomicLong();
    AtomicLong javaZombiesSeen = new AtomicLong();
    Thread scanner = new Thread(() -> {
      while (!stop.get()) {
        for (long pid : Reaper.zombieChildren(Path.of("/proc"), SELF, Reaper.MAX_ENTRIES)) {
          if (children.javaStarted(pid)) {
            javaZombiesSeen.incrementAndGet();
          }
        }
        reaper.scan();
        scans.incrementAndGet();
      }
    });
    scanner.start();
    try {
      waitUntil("the first scan", 10, () -> scans.get() > 0);
      List<Process> ps = new ArrayList<>();
      for (int i = 0; i < 60; i++) {
        ps.add(children.start(new ProcessBuilder("sh", "-c", "exit " + (i % 100 + 1))));
      }
      for (int i = 0; i < ps.size(); i++) {
        assertTrue(ps.get(i).waitFor(20, TimeUnit.SECONDS));
        assertEquals(i % 100 + 1, ps.get(i).exitValue(), "exit code of child " + i);
      }
    } finally {
      stop.set(true);
      scanner.join(10_000);
    }
    assertTrue(scans.get() > 1, "the scans ran meanwhile: " + scans.get());
    assertEquals(0, reaper.reaped(), "nothing of Java's was collected (Java zombies seen: " + javaZombiesSeen + ")");

    for (int i = 0; i < 50; i++) {
      reaper.scan(); // warm
    }
    long t0 = System.nanoTime();
    for (int i = 0; i < 20; i++) {
      reaper.scan();
    }
    long processes;
    try (var all = Files.list(Path.of("/proc"))) {
      processes = all.filter(p -> p.getFileName().toString().matches("\\d+")).count();
    }
    System.out.printf("one scan (%d processes on the machine): %.2f ms%n", processes, (System.nanoTime() - t0) / 20 / 1e6);
  }

  static long ppid(long pid) {
    try {
      ProcStat st = ProcStat.parse(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
      return st == null ? -1 : st.ppid();
    } catch (Exception e) {
      return -1;
    }
  }

  static void waitUntil(String what, int seconds, BooleanSupplier cond) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }
}
