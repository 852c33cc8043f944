package dev.vigil.memory.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The memory cgroup of a process, read from its files. Every method that touches files blocks:
 * callers on an event loop run them through {@code executeBlocking}.
 *
 * <p>Files, and why: the OOM killer compares the cgroup's charge against its limit, and kubelet's
 * working set (what eviction and {@code kubectl top} use) is that charge minus inactive file pages.
 * <ul>
 *   <li>v2: {@code memory.current} - {@code inactive_file} of {@code memory.stat}; limit {@code memory.max}
 *       ({@code max} = none) or an ancestor's when tighter; OOM kills from {@code oom_kill} of
 *       {@code memory.events}.</li>
 *   <li>v1: {@code memory.usage_in_bytes} - {@code total_inactive_file} of {@code memory.stat}; limit
 *       {@code memory.limit_in_bytes} (a value near 2^63 = none) or an ancestor's when tighter
 *       ({@code hierarchical_memory_limit} of {@code memory.stat}); OOM kills from {@code oom_kill} of
 *       {@code memory.oom_control}.</li>
 * </ul>
 * The directory is found from {@code /proc/PID/cgroup} and {@code /proc/self/mountinfo}.
 */
public final class CgroupMemory {

  /** v1 reports "no limit" as PAGE_COUNTER_MAX in bytes (about 2^63); anything from 2^60 up is no limit. */
  static final long V1_NO_LIMIT = 1L << 60;

  private final int version;
  private final Path dir;

  /** A cgroup at a known directory ({@code version} 1 or 2). */
  public CgroupMemory(int version, Path dir) {
    if (version != 1 && version != 2) {
      throw new IllegalArgumentException("cgroup version must be 1 or 2, not " + version);
    }
    this.version = version;
    this.dir = dir;
  }

  public int version() {
    return version;
  }

  public Path dir() {
    return dir;
  }

  /** The memory cgroup of {@code pid}, or empty when it has none that can be read (blocking). */
  public static Optional<CgroupMemory> ofPid(long pid) throws IOException {
    String cgroup;
    try {
      cgroup = Files.readString(Path.of("/proc", Long.toString(pid), "cgroup"));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    return locate(cgroup, Files.readString(Path.of("/proc/self/mountinfo")))
        .filter(CgroupMemory::readable);
  }

  /** Vigil's own memory cgroup (the container's, in a container), or empty (blocking). */
  public static Optional<CgroupMemory> ofSelf() throws IOException {
    return ofPid(ProcessHandle.current().pid());
  }

  /**
   * Finds the memory cgroup directory from the text of {@code /proc/PID/cgroup} and
   * {@code /proc/self/mountinfo}. A v1 memory controller wins over v2 (on a hybrid host the v1
   * hierarchy is the one that limits memory).
   */
  static Optional<CgroupMemory> locate(String procCgroup, String mountinfo) {
    String v1Path = null;
    String v2Path = null;
    for (String line : procCgroup.split("\n")) {
      String[] f = line.split(":", 3);
      if (f.length < 3) {
        continue;
      }
      if (f[0].equals("0") && f[1].isEmpty()) {
        v2Path = f[2].trim();
      } else if (f[1].equals("memory") || f[1].startsWith("memory,") || f[1].contains(",memory")) {
        v1Path = f[2].trim();
      }
    }
    for (String line : mountinfo.split("\n")) {
      int dash = line.indexOf(" - ");
      if (dash < 0) {
        continue;
      }
      String[] pre = line.substring(0, dash).split(" ");
      String[] post = line.substring(dash + 3).split(" ");
      if (pre.length < 5 || post.length < 3) {
        continue;
      }
      String root = unescape(pre[3]);
      String mountPoint = unescape(pre[4]);
      if (v1Path != null && post[0].equals("cgroup") && hasOption(post[2], "memory")) {
        return Optional.of(new CgroupMemory(1, under(mountPoint, root, v1Path)));
      }
    }
    if (v2Path != null) {
      for (String line : mountinfo.split("\n")) {
        int dash = line.indexOf(" - ");
        if (dash >= 0 && line.substring(dash + 3).startsWith("cgroup2 ")) {
          String[] pre = line.substring(0, dash).split(" ");
          return Optional.of(new CgroupMemory(2, under(unescape(pre[4]), unescape(pre[3]), v2Path)));
        }
      }
    }
    return Optional.empty();
  }

  private static boolean hasOption(String options, String name) {
    for (String o : options.split(",")) {
      if (o.equals(name)) {
        return true;
      }
    }
    return false;
  }

  /** The cgroup path is relative to the hierarchy's root; the mount shows the part below {@code root}. */
  private static Path under(String mountPoint, String root, String cgroupPath) {
    String rel = cgroupPath;
    if (!root.equals("/") && (rel.equals(root) || rel.startsWith(root + "/"))) {
      rel = rel.substring(root.length());
    }
    while (rel.startsWith("/")) {
      rel = rel.substring(1);
    }
    return rel.isEmpty() ? Path.of(mountPoint) : Path.of(mountPoint, rel);
  }

  /** mountinfo escapes space, tab, newline and backslash as octal ({@code \040}). */
  private static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length()) {
        try {
          b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
          i += 3;
          continue;
        } catch (NumberFormatException ignored) {
          // not an escape: keep the backslash
        }
      }
      b.append(c);
    }
    return b.toString();
  }

  private boolean readable() {
    return Files.isReadable(dir.resolve(version == 2 ? "memory.current" : "memory.usage_in_bytes"));
  }

  /** Reads usage, inactive file pages, limit and OOM kills (blocking). */
  public CgroupReading read() throws IOException {
    if (version == 2) {
      CgroupReading r = parseV2(dir, read("memory.current"), read("memory.stat"), read("memory.max"),
          readOrNull("memory.events"));
      Long tightest = ancestorsMax(r.limitBytes());
      return java.util.Objects.equals(tightest, r.limitBytes()) ? r : new CgroupReading(2, dir, r.usageBytes(), r.inactiveFileBytes(), tightest,
          r.oomKills());
    }
    return parseV1(dir, read("memory.usage_in_bytes"), read("memory.stat"), read("memory.limit_in_bytes"),
        readOrNull("memory.oom_control"));
  }

  /**
   * v2 keeps no hierarchical figure: an ancestor's tighter {@code memory.max} applies too (the OOM
   * killer acts on it), so walk up while the parent has one (the hierarchy's root and whatever is
   * above a container's namespaced mount have none).
   */
  private Long ancestorsMax(Long own) throws IOException {
    Long tightest = own;
    for (Path p = dir.getParent(); p != null && Files.isReadable(p.resolve("memory.max")); p = p.getParent()) {
      String m = Files.readString(p.resolve("memory.max")).trim();
      if (!m.equals("max")) {
        long l = Long.parseLong(m);
        tightest = tightest == null ? l : Math.min(tightest, l);
      }
    }
    return tightest;
  }

  /** The OOM kill count alone (blocking), or -1 when the kernel does not report it. */
  public long oomKills() throws IOException {
    String text = readOrNull(version == 2 ? "memory.events" : "memory.oom_control");
    return text == null ? -1 : statValue(text, "oom_kill", -1);
  }

  static CgroupReading parseV2(Path dir, String current, String stat, String max, String eventsOrNull) {
    String m = max.trim();
    Long limit = m.equals("max") ? null : Long.parseLong(m);
    return new CgroupReading(2, dir, Long.parseLong(current.trim()), statValue(stat, "inactive_file", 0), limit,
        eventsOrNull == null ? -1 : statValue(eventsOrNull, "oom_kill", -1));
  }

  static CgroupReading parseV1(Path dir, String usage, String stat, String limit, String oomControlOrNull) {
    long l = Long.parseLong(limit.trim());
    // An ancestor's tighter limit applies too (the OOM killer acts on it); v1 reports the tightest
    // of the chain in memory.stat.
    l = Math.min(l, statValue(stat, "hierarchical_memory_limit", l));
    return new CgroupReading(1, dir, Long.parseLong(usage.trim()), statValue(stat, "total_inactive_file", 0),
        l >= V1_NO_LIMIT ? null : l, oomControlOrNull == null ? -1 : statValue(oomControlOrNull, "oom_kill", -1));
  }

  /** The value of the {@code key value} line of a flat-keyed cgroup file, or {@code absent}. */
  static long statValue(String text, String key, long absent) {
    for (String line : text.split("\n")) {
      int sp = line.indexOf(' ');
      if (sp == key.length() && line.startsWith(key)) {
        return Long.parseLong(line.substring(sp + 1).trim());
      }
    }
    return absent;
  }

  private String read(String file) throws IOException {
    return Files.readString(dir.resolve(file));
  }

  private String readOrNull(String file) throws IOException {
    try {
      return read(file);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  @Override
  public String toString() {
    return "cgroup v" + version + " " + dir;
  }
}
