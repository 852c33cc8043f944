package dev.vigil.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A fresh cgroup v1 memory cgroup with a limit, for real OOM kills. Creating it fails loudly (these
 * machines run as root with the v1 memory controller writable): a test that needs it must fail, not
 * skip. {@link #close()} kills what is left inside and removes it.
 */
public final class TestCgroup implements AutoCloseable {

  public static final Path V1_MEMORY = Path.of("/sys/fs/cgroup/memory");

  private final Path dir;

  private TestCgroup(Path dir) {
    this.dir = dir;
  }

  /** Creates {@code /sys/fs/cgroup/memory/vigil-test-XXXX} limited to {@code limitBytes} (-1: no limit). */
  public static TestCgroup createV1(long limitBytes) throws IOException {
    Path dir = V1_MEMORY.resolve("vigil-test-" + UUID.randomUUID().toString().substring(0, 8));
    try {
      Files.createDirectory(dir);
      Files.writeString(dir.resolve("memory.limit_in_bytes"), Long.toString(limitBytes));
    } catch (IOException e) {
      throw new IOException("cannot create the test memory cgroup " + dir + " (root and a writable cgroup v1 memory"
          + " controller are required): " + e, e);
    }
    return new TestCgroup(dir);
  }

  public Path dir() {
    return dir;
  }

  /** Wraps a command so that it moves itself into this cgroup and then execs (keeping its pid). */
  public List<String> wrap(List<String> command) {
    List<String> out = new java.util.ArrayList<>(List.of("sh", "-c",
        "echo $$ > " + dir.resolve("cgroup.procs") + " && exec \"$@\"", "sh"));
    out.addAll(command);
    return out;
  }

  /** {@code oom_kill} of {@code memory.oom_control}. */
  public long oomKills() throws IOException {
    for (String line : Files.readAllLines(dir.resolve("memory.oom_control"))) {
      if (line.startsWith("oom_kill ")) {
        return Long.parseLong(line.substring(9).trim());
      }
    }
    throw new IOException("no oom_kill line in " + dir.resolve("memory.oom_control"));
  }

  public List<Long> pids() throws IOException {
    return Files.readAllLines(dir.resolve("cgroup.procs")).stream().filter(s -> !s.isBlank())
        .map(s -> Long.parseLong(s.trim())).toList();
  }

  @Override
  public void close() throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      List<Long> left = pids();
      left.forEach(p -> ProcessHandle.of(p).ifPresent(ProcessHandle::destroyForcibly));
      try {
        Files.delete(dir);
        return;
      } catch (IOException busy) {
        if (System.nanoTime() > end) {
          throw new IOException("cannot remove " + dir + " (still holds " + left + ")", busy);
        }
        Thread.sleep(50);
      }
    }
  }
}
