package dev.vigil.memory.source;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Reads the memory of a process tree from {@code /proc}: the root and every descendant, RSS from
 * {@code status} ({@code VmRSS}), PSS from {@code smaps_rollup} where readable. PSS matters for
 * forked servers: a gunicorn master and its workers share the pages of the loaded app, which RSS
 * counts once per process and PSS splits between them.
 *
 * <p>Every method blocks (reads {@code /proc}): callers on an event loop use {@code executeBlocking}.
 * Thread-safe (no state besides its settings).
 */
public final class ProcessTree {

  /** Commands are cut to this many characters in the breakdown. */
  public static final int MAX_COMMAND = 200;
  /** Default bound of processes read per tree. */
  public static final int DEFAULT_MAX_PROCESSES = 256;

  private final Path proc;
  private final int maxProcesses;

  /** Reads {@code /proc}, at most {@code maxProcesses} processes per tree. */
  public ProcessTree(int maxProcesses) {
    this(Path.of("/proc"), maxProcesses);
  }

  ProcessTree(Path proc, int maxProcesses) {
    if (maxProcesses < 1) {
      throw new IllegalArgumentException("maxProcesses must be at least 1, not " + maxProcesses);
    }
    this.proc = proc;
    this.maxProcesses = maxProcesses;
  }

  /**
   * The tree under {@code rootPid} now.
   *
   * @throws NoSuchFileException when the root process does not exist (any more)
   */
  public ProcessTreeReading read(long rootPid) throws IOException {
    Long rootParent = parentOf(rootPid);
    if (rootParent == null) {
      throw new NoSuchFileException(proc.resolve(Long.toString(rootPid)).toString());
    }
    Map<Long, List<Long>> children = childrenByParent();
    List<ProcessMemory> out = new ArrayList<>();
    ArrayDeque<long[]> todo = new ArrayDeque<>();
    todo.add(new long[] {rootPid, rootParent});
    boolean truncated = false;
    long rss = 0;
    long pss = 0;
    boolean pssKnown = true;
    while (!todo.isEmpty()) {
      if (out.size() >= maxProcesses) {
        truncated = true;
        break;
      }
      long[] next = todo.poll();
      long pid = next[0];
      Long pidRss = rssOf(pid);
      if (pidRss == null) {
        if (pid == rootPid) {
          throw new NoSuchFileException(proc.resolve(Long.toString(rootPid)).toString());
        }
        continue; // exited between the scan and now
      }
      Long pidPss = pssOf(pid);
      out.add(new ProcessMemory(pid, next[1], commandOf(pid), pidRss, pidPss));
      rss += pidRss;
      if (pidPss == null) {
        pssKnown = false;
      } else {
        pss += pidPss;
      }
      for (long c : children.getOrDefault(pid, List.of())) {
        todo.add(new long[] {c, pid});
      }
    }
    return new ProcessTreeReading(rootPid, List.copyOf(out), rss, pssKnown ? pss : null, truncated);
  }

  /**
   * The top process whose command line matches {@code match} ({@code memory.process.match}): among
   * matching processes, one whose parent does not match (a gunicorn master, not its workers), the
   * lowest pid first. Vigil itself is never chosen.
   */
  public Optional<Long> findRoot(Pattern match) throws IOException {
    long self = ProcessHandle.current().pid();
    Map<Long, Boolean> matches = new HashMap<>();
    Map<Long, Long> parents = new HashMap<>();
    for (long pid : pids()) {
      if (pid == self) {
        continue;
      }
      String cmd = commandOf(pid);
      Long ppid = parentOf(pid);
      if (cmd != null && ppid != null) {
        matches.put(pid, match.matcher(cmd).find());
        parents.put(pid, ppid);
      }
    }
    return matches.entrySet().stream()
        .filter(Map.Entry::getValue)
        .map(Map.Entry::getKey)
        .filter(pid -> !matches.getOrDefault(parents.get(pid), false))
        .min(Long::compare);
  }

  private Map<Long, List<Long>> childrenByParent() throws IOException {
    Map<Long, List<Long>> children = new HashMap<>();
    for (long pid : pids()) {
      Long ppid = parentOf(pid);
      if (ppid != null) {
        children.computeIfAbsent(ppid, k -> new ArrayList<>()).add(pid);
      }
    }
    children.values().forEach(l -> l.sort(Long::compare));
    return children;
  }

  private List<Long> pids() throws IOException {
    List<Long> pids = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(proc, p -> isNumeric(p.getFileName().toString()))) {
      ds.forEach(p -> pids.add(Long.parseLong(p.getFileName().toString())));
    }
    return pids;
  }

  private static boolean isNumeric(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  /** Field 4 of {@code stat}, read after the last ')' because the command name may hold spaces and parens. */
  private Long parentOf(long pid) {
    String stat = readOrNull(pid, "stat");
    if (stat == null) {
      return null;
    }
    int close = stat.lastIndexOf(')');
    String[] f = stat.substring(close + 2).split(" ", 3);
    return f.length < 2 ? null : Long.parseLong(f[1]);
  }

  private Long rssOf(long pid) {
    String status = readOrNull(pid, "status");
    if (status == null) {
      return null;
    }
    long kb = kbField(status, "VmRSS:");
    return kb < 0 ? 0L : kb * 1024; // a zombie or kernel thread has no VmRSS: it holds no user memory
  }

  private Long pssOf(long pid) {
    String rollup = readOrNull(pid, "smaps_rollup");
    if (rollup == null) {
      return null;
    }
    long kb = kbField(rollup, "Pss:");
    return kb < 0 ? null : kb * 1024;
  }

  private String commandOf(long pid) {
    String cmd = readOrNull(pid, "cmdline");
    if (cmd == null) {
      return null;
    }
    if (cmd.isEmpty()) {
      String status = readOrNull(pid, "status"); // kernel thread or zombie: fall back to its name
      cmd = status == null || !status.startsWith("Name:") ? "" : "[" + status.substring(5, status.indexOf('\n')).trim() + "]";
    }
    String joined = cmd.replace('\0', ' ').trim();
    return joined.length() > MAX_COMMAND ? joined.substring(0, MAX_COMMAND) : joined;
  }

  /** The value in kB of a {@code Key:   123 kB} line, or -1. */
  static long kbField(String text, String key) {
    int at = text.startsWith(key) ? 0 : text.indexOf("\n" + key);
    if (at < 0) {
      return -1;
    }
    int start = at == 0 ? key.length() : at + 1 + key.length();
    int end = text.indexOf('\n', start);
    String v = text.substring(start, end < 0 ? text.length() : end).trim();
    int sp = v.indexOf(' ');
    return Long.parseLong(sp < 0 ? v : v.substring(0, sp));
  }

  private String readOrNull(long pid, String file) {
    try {
      return new String(Files.readAllBytes(proc.resolve(Long.toString(pid)).resolve(file)), StandardCharsets.UTF_8);
    } catch (IOException | SecurityException e) {
      return null; // gone, or not ours to read
    }
  }
}
