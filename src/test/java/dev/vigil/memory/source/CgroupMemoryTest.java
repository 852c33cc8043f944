package dev.vigil.memory.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.vigil.memory.MemoryReading;
import dev.vigil.testing.TestCgroup;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CgroupMemoryTest {

  /** This machine's /proc/self/mountinfo cgroup lines (hybrid: v1 controllers plus a cgroup2 "unified"). */
  static final String HYBRID_MOUNTINFO = """
      21 26 0:20 / /proc rw,relatime - proc proc rw
      30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
      31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
      34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
      39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
      40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
      """;

  static final String HYBRID_CGROUP = """
      9:name=systemd:/
      4:memory:/process_api/57d1b36ced6e545980db4d5f0d2abf14
      1:cpu:/
      0::/
      """;

  @Test
  void locatesTheV1MemoryHierarchyOnAHybridHost() {
    CgroupMemory cg = CgroupMemory.locate(HYBRID_CGROUP, HYBRID_MOUNTINFO).orElseThrow();
    assertEquals(1, cg.version());
    assertEquals(Path.of("/sys/fs/cgroup/memory/process_api/57d1b36ced6e545980db4d5f0d2abf14"), cg.dir());
  }

  @Test
  void locatesAV2CgroupAndStripsAContainersMountRoot() {
    // A container with its own cgroup namespace sees "0::/"; a host-mounted one sees its full path
    // below a mount whose root is that path.
    String mountinfo = "1090 1070 0:26 /kubepods.slice/pod1.slice/cri-abc.scope /sys/fs/cgroup ro,nosuid - cgroup2 cgroup rw\n";
    CgroupMemory cg = CgroupMemory.locate("0::/kubepods.slice/pod1.slice/cri-abc.scope\n", mountinfo).orElseThrow();
    assertEquals(2, cg.version());
    assertEquals(Path.of("/sys/fs/cgroup"), cg.dir());
    CgroupMemory nested = CgroupMemory.locate("0::/app/worker\n", "35 24 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n")
        .orElseThrow();
    assertEquals(Path.of("/sys/fs/cgroup/app/worker"), nested.dir());
    assertTrue(CgroupMemory.locate("0::/\n", "21 26 0:20 / /proc rw - proc proc rw\n").isEmpty());
  }

  @Test
  void parsesV2FilesAsKubeletDoes() throws Exception {
    Path dir = Path.of(getClass().getResource("/cgroup/v2/memory.current").toURI()).getParent();
    CgroupReading r = new CgroupMemory(2, dir).read();
    assertEquals(178257920L, r.usageBytes());
    assertEquals(31850496L, r.inactiveFileBytes(), "inactive_file, not inactive_anon");
    assertEquals(178257920L - 31850496L, r.workingSetBytes());
    assertEquals(512L << 20, r.limitBytes());
    assertEquals(2, r.oomKills(), "oom_kill, not oom or oom_group_kill");
    assertNull(CgroupMemory.parseV2(dir, "4096\n", "inactive_file 8192\n", "max\n", null).limitBytes());
    assertEquals(0, CgroupMemory.parseV2(dir, "4096\n", "inactive_file 8192\n", "max\n", null).workingSetBytes(),
        "never below zero");
    assertEquals(-1, CgroupMemory.parseV2(dir, "1\n", "", "max\n", null).oomKills());
  }

  @Test
  void theSourceReadsCapturedV2FilesOffTheEventLoopInMiB() throws Exception {
    Path dir = Path.of(getClass().getResource("/cgroup/v2/memory.current").toURI()).getParent();
    Vertx vertx = Vertx.vertx();
    try {
      CgroupMemorySource src = new CgroupMemorySource(vertx, new CgroupMemory(2, dir));
      MemoryReading m = src.read().await(10, TimeUnit.SECONDS);
      assertEquals((178257920L - 31850496L) / (double) (1 << 20), m.rssMiB(), 1e-9);
      assertEquals(512.0, m.limitMiB());
      assertEquals("cgroup v2:working_set", m.source());
      JsonObject details = new JsonObject();
      src.addDetails(details);
      JsonObject cg = details.getJsonObject("cgroup");
      assertEquals(2, cg.getInteger("version"));
      assertEquals(2L, cg.getLong("oom_kills"));
      assertEquals(139.6, cg.getDouble("working_set_mib"));
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void v2TakesAnAncestorsTighterMax(@TempDir Path root) throws Exception {
    Path dir = Path.of(getClass().getResource("/cgroup/v2/memory.current").toURI()).getParent();
    Path pod = Files.createDirectories(root.resolve("pod"));
    Path app = Files.createDirectories(pod.resolve("app"));
    for (String f : new String[] {"memory.current", "memory.stat", "memory.events"}) {
      Files.copy(dir.resolve(f), app.resolve(f));
    }
    Files.writeString(app.resolve("memory.max"), "max\n");
    Files.writeString(pod.resolve("memory.max"), "268435456\n");
    assertEquals(256L << 20, new CgroupMemory(2, app).read().limitBytes(), "the pod's limit, the app has none");
    Files.writeString(app.resolve("memory.max"), Long.toString(128L << 20) + "\n");
    assertEquals(128L << 20, new CgroupMemory(2, app).read().limitBytes(), "its own, tighter");
    Files.writeString(pod.resolve("memory.max"), "max\n");
    Files.writeString(app.resolve("memory.max"), "max\n");
    assertNull(new CgroupMemory(2, app).read().limitBytes(), "no limit anywhere");
  }

  @Test
  void v1WithoutALimitReportsNone() {
    CgroupReading r = CgroupMemory.parseV1(Path.of("/"), "1000\n", "cache 5\ntotal_inactive_file 300\ninactive_file 7\n",
        "9223372036854771712\n", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
    assertNull(r.limitBytes());
    assertEquals(700, r.workingSetBytes(), "total_inactive_file, not the cgroup-local inactive_file");
    assertEquals(0, r.oomKills());
  }

  @Test
  void v1WithoutALimitOfItsOwnReportsItsAncestors() {
    CgroupReading r = CgroupMemory.parseV1(Path.of("/"), "1000\n",
        "total_inactive_file 300\nhierarchical_memory_limit 536870912\n", "9223372036854771712\n", null);
    assertEquals(512L << 20, r.limitBytes());
    assertNull(CgroupMemory.parseV1(Path.of("/"), "1000\n", "hierarchical_memory_limit 9223372036854771712\n",
        "9223372036854771712\n", null).limitBytes());
    assertEquals(512L << 20, CgroupMemory.parseV1(Path.of("/"), "1000\n", "hierarchical_memory_limit 536870912\n",
        Long.toString(1L << 30), null).limitBytes(), "the tighter of its own and its ancestors'");
  }

  @Test
  void aRealV1CgroupWithoutALimitUnderALimitedOneReportsTheParents() throws Exception {
    try (TestCgroup tc = TestCgroup.createV1(96L << 20)) {
      Path child = Files.createDirectory(tc.dir().resolve("app"));
      Process p = new ProcessBuilder("sh", "-c", "echo $$ > " + child.resolve("cgroup.procs") + " && echo ready && exec sleep 60")
          .redirectErrorStream(true).start();
      try {
        assertEquals("ready", new String(p.getInputStream().readNBytes(5)));
        CgroupMemory cg = CgroupMemory.ofPid(p.pid()).orElseThrow();
        assertEquals(child, cg.dir());
        assertEquals(96L << 20, cg.read().limitBytes(), "memory.limit_in_bytes of app/ is unlimited; its parent's applies");
      } finally {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        Files.delete(child);
      }
    }
  }

  @Test
  void readsARealV1CgroupLikeItsOwnFiles() throws Exception {
    try (TestCgroup tc = TestCgroup.createV1(96L << 20)) {
      // A process in the cgroup that holds 24 MiB and then sleeps, so the figures are steady.
      Process p = new ProcessBuilder(tc.wrap(List.of("/usr/bin/python3", "-c",
          "import sys, time; b = bytearray(24 << 20); b[::4096] = b'x' * len(b[::4096]); print('ready', flush=True); time.sleep(60)")))
          .redirectErrorStream(true).start();
      try {
        assertEquals("ready", new String(p.getInputStream().readNBytes(5)));
        CgroupMemory cg = CgroupMemory.ofPid(p.pid()).orElseThrow();
        assertEquals(1, cg.version());
        assertEquals(tc.dir(), cg.dir(), "found through /proc/PID/cgroup and /proc/self/mountinfo");

        CgroupReading r = cg.read();
        long usage = Long.parseLong(Files.readString(tc.dir().resolve("memory.usage_in_bytes")).trim());
        long inactive = CgroupMemory.statValue(Files.readString(tc.dir().resolve("memory.stat")), "total_inactive_file", -1);
        assertEquals(96L << 20, r.limitBytes());
        assertEquals(0, r.oomKills());
        assertTrue(Math.abs(r.usageBytes() - usage) < (1 << 20), r.usageBytes() + " vs " + usage);
        assertTrue(Math.abs(r.workingSetBytes() - (usage - inactive)) < (1 << 20));
        assertTrue(r.workingSetBytes() > (24L << 20), "the 24 MiB held are in the working set: " + r.workingSetBytes());
        assertEquals(0, cg.oomKills());
      } finally {
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }
}
