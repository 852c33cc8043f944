#!/usr/bin/env python3
"""Where a JVM's resident memory goes, in MiB: one line for src/bench/load.sh (BREAKDOWN=1).

    python3 src/bench/rss_breakdown.py PID

Resident (from /proc/PID/smaps): the Java heap (the address range GC.heap_info prints), the
class-data-sharing archives (*.jsa: dirty, hence anonymous, when the JVM relocates them, as JDK 17.0.x
does by default), libjvm.so, the other shared libraries, lib/modules, the jar, and the rest of the
anonymous memory. Committed (from -XX:NativeMemoryTracking=summary, when the JVM runs with it; close
to resident for these): metaspace and class space, code cache, the JIT compilers' arenas, thread
stacks, symbols, "Other" (direct buffers: Netty's off-heap memory) and GC data structures.
"""
import re
import subprocess
import sys


def jcmd(pid, *cmd):
    try:
        return subprocess.run(["jcmd", str(pid), *cmd], capture_output=True, text=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return ""


def main(pid):
    heap = jcmd(pid, "GC.heap_info")
    addrs = [int(a, 16) for a in re.findall(r"0x([0-9a-f]{8,16})", heap)]
    lo, hi = (min(addrs), max(addrs)) if addrs else (0, 0)
    res = {}
    start, name = 0, ""
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            m = re.match(r"^([0-9a-f]+)-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$", line)
            if m:
                start, name = int(m.group(1), 16), m.group(2).strip()
                continue
            if not line.startswith("Rss:"):
                continue
            kib = int(line.split()[1])
            if name.endswith(".jsa"):
                c = "CDS"
            elif name.endswith("libjvm.so"):
                c = "libjvm"
            elif ".so" in name:
                c = "libs"
            elif name.endswith("/modules"):
                c = "modules"
            elif name.endswith(".jar"):
                c = "jar"
            elif name and not name.startswith("["):
                c = "files"
            elif lo <= start < hi:
                c = "heap"
            else:
                c = "anon"
            res[c] = res.get(c, 0) + kib
    nmt = {}
    for m in re.finditer(r"-\s+([A-Za-z ]+?) \(reserved=\d+KB, committed=(\d+)KB\)",
                         jcmd(pid, "VM.native_memory", "summary")):
        nmt[m.group(1).strip()] = int(m.group(2))
    mib = lambda k: f"{k / 1024:.0f}"
    total = sum(res.values())
    out = [f"RSS {mib(total)}: heap {mib(res.get('heap', 0))}, CDS {mib(res.get('CDS', 0))}"]
    if nmt:
        out.append(f"metaspace {mib(nmt.get('Metaspace', 0) + nmt.get('Class', 0))}")
        out.append(f"code {mib(nmt.get('Code', 0))}")
        out.append(f"JIT arenas {mib(nmt.get('Compiler', 0) + nmt.get('Arena Chunk', 0))}")
        out.append(f"threads {mib(nmt.get('Thread', 0))}")
        out.append(f"symbols {mib(nmt.get('Symbol', 0))}")
        out.append(f"direct/other {mib(nmt.get('Other', 0))}")
        out.append(f"GC {mib(nmt.get('GC', 0))}")
        out.append(f"NMT itself {mib(nmt.get('Native Memory Tracking', 0))}")
    out.append(f"other anonymous {mib(res.get('anon', 0))}"
               + (" (the categories above but heap and CDS, plus malloc)" if nmt else ""))
    out.append(f"libjvm {mib(res.get('libjvm', 0))}, other libs {mib(res.get('libs', 0))}, "
               f"lib/modules {mib(res.get('modules', 0))}, jar {mib(res.get('jar', 0))}")
    print(", ".join(out))


if __name__ == "__main__":
    main(int(sys.argv[1]))
