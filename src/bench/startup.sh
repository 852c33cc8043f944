#!/usr/bin/env bash
# Start-up benchmark, run by hand (not in CI): milliseconds from starting the JVM to the first
# proxied 200, and Vigil's CPU time (user + system) and RSS at that moment, with the image's flags (docker/jvm.options,
# -XX:MaxRAM=256m), for each of:
#
#   none      JDK 17, no archive of Vigil's classes (the JDK's own default CDS archive only)
#   cds       JDK 17 with a class-data-sharing archive recorded by `warmup`, as the image does
#   25none    JDK 25, no archive                               (when $JDK25 exists)
#   25cds     JDK 25 with a CDS archive recorded the same way  (when $JDK25 exists)
#   25aot     JDK 25 with an AOT cache (JEP 483/514/515): -XX:AOTMode=record during `warmup`,
#             then -XX:AOTMode=create, then -XX:AOTCache  (when $JDK25 exists)
#
#   bash src/bench/startup.sh                        # 5 starts per variant, default variants
#   RUNS=9 bash src/bench/startup.sh
#   VARIANTS="none cds" bash src/bench/startup.sh
#   JARS="a.jar b.jar" bash src/bench/startup.sh     # A/B: the jars alternate within each round
#   JVM_EXTRA="-Xlog:class+load:file=/tmp/cl.txt" bash src/bench/startup.sh
#   LOAD_SECONDS=10 bash src/bench/startup.sh        # also warm-up: wrk for 10 s after the first 200
#
# Each round starts every jar x variant once, in turn, so a change in background load hits all of
# them alike; a result is the median and range over the rounds. The upstream is nginx (or, without
# it, python3 -m http.server) answering 200; the clock starts just before the JVM is started and
# stops when curl (every 10 ms) gets a 200 through Vigil. Vigil runs in an empty directory, as in
# the image (no config/vigil.yaml is picked up). With LOAD_SECONDS, each start is followed by
# `wrk -t1 -c16` for that long (the JIT's warm-up): requests/s over it and the peak RSS (VmHWM)
# by its end. Needs: curl, nginx or python3; wrk for LOAD_SECONDS.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

RUNS=${RUNS:-5}
JAVA17=${JAVA17:-java}
JDK25=${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64}
JARS=${JARS:-target/vigil.jar}
JVM_EXTRA=${JVM_EXTRA:-}
# On JDK 25 Netty 4.2 leaves sun.misc.Unsafe alone unless its memory access is allowed, and then
# frees direct memory through the FFM linker (dozens of method handles spun at start-up, and
# slower buffers); System.load of the epoll library is a restricted method (a warning).
JDK25_FLAGS=${JDK25_FLAGS:---sun-misc-unsafe-memory-access=allow --enable-native-access=ALL-UNNAMED}
POLL_SECONDS=${POLL_SECONDS:-0.01}
LOAD_SECONDS=${LOAD_SECONDS:-0}
TIMEOUT_SECONDS=${TIMEOUT_SECONDS:-30}
if [ -z "${VARIANTS:-}" ]; then
  VARIANTS="none cds"
  if [ -x "$JDK25/bin/java" ]; then
    VARIANTS="$VARIANTS 25none 25cds 25aot"
  fi
fi
# The image's flags, with the heap sized as in a container limited to 256 MiB.
read -r -a base_flags <<< "@$repo/docker/jvm.options -XX:MaxRAM=256m"
read -r -a extra_flags <<< "$JVM_EXTRA"

command -v curl >/dev/null || { echo "missing curl" >&2; exit 1; }
if [ "$LOAD_SECONDS" != 0 ]; then
  command -v wrk >/dev/null || { echo "missing wrk (for LOAD_SECONDS)" >&2; exit 1; }
fi
if [ "$JARS" = target/vigil.jar ] && [ ! -f target/vigil.jar ]; then
  mvn -B -q -o -DskipTests package
fi

work=$(mktemp -d)
up_pid=""
vigil_pid=""
cleanup() {
  if [ -n "$vigil_pid" ]; then kill "$vigil_pid" 2>/dev/null || true; fi
  if [ -n "$up_pid" ]; then kill "$up_pid" 2>/dev/null || true; fi
  if [ -f "$work/nginx.pid" ]; then kill "$(cat "$work/nginx.pid")" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
mkdir "$work/run" # Vigil's working directory: empty, as /opt/vigil in the image has no config/
mkfifo "$work/tick"
exec 9<>"$work/tick" # `read -t` on it is a sleep without starting a process

pause() {
  read -r -t "$1" -u 9 _ || true
}

free_port() { # a port nothing answers on (checked with bash's /dev/tcp, no extra tools)
  local p
  while :; do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
      echo "$p"
      return
    fi
  done
}

up_port=$(free_port)
if command -v nginx >/dev/null; then
  cat > "$work/nginx.conf" <<CONF
worker_processes 1;
daemon on;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 256; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$up_port;
    location / { default_type application/json; return 200 '{"ok":true}'; }
  }
}
CONF
  nginx -c "$work/nginx.conf" -p "$work"
else
  mkdir "$work/www"
  echo '{"ok":true}' > "$work/www/index.html"
  python3 -m http.server "$up_port" --bind 127.0.0.1 --directory "$work/www" >/dev/null 2>&1 &
  up_pid=$!
fi
for _ in $(seq 1 500); do
  if curl -fs -o /dev/null "http://127.0.0.1:$up_port/"; then break; fi
  pause 0.01
done
curl -fs -o /dev/null "http://127.0.0.1:$up_port/" || { echo "the upstream did not start" >&2; exit 1; }

java_of() { # variant -> java binary
  case "$1" in
    25*) echo "$JDK25/bin/java" ;;
    *) echo "$JAVA17" ;;
  esac
}

flags_of() { # variant -> sets vflags: the image's flags, plus JDK25_FLAGS on JDK 25
  vflags=("${base_flags[@]}")
  case "$1" in
    25*) read -r -a more <<< "$JDK25_FLAGS"; vflags+=("${more[@]}") ;;
  esac
}

# Archives, recorded once per jar and JDK by the `warmup` command (as the image records its own).
# Sets archive_flags for a jar (index j) and variant.
record() { # j jar variant
  local j=$1 jar=$2 v=$3 java
  java=$(java_of "$v")
  flags_of "$v"
  case "$v" in
    cds | 25cds)
      if [ ! -f "$work/$j-$v.jsa" ]; then
        (cd "$work/run" && "$java" "${vflags[@]}" -XX:ArchiveClassesAtExit="$work/$j-$v.jsa" \
          -jar "$jar" warmup) >"$work/$j-$v.record.log" 2>&1 || { cat "$work/$j-$v.record.log" >&2; exit 1; }
      fi
      ;;
    25aot)
      if [ ! -f "$work/$j-$v.aot" ]; then
        (cd "$work/run" && "$java" "${vflags[@]}" -XX:AOTMode=record -XX:AOTConfiguration="$work/$j.aotconf" \
          -jar "$jar" warmup && "$java" "${vflags[@]}" -XX:AOTMode=create \
          -XX:AOTConfiguration="$work/$j.aotconf" -XX:AOTCache="$work/$j-$v.aot" -jar "$jar" warmup) \
          >"$work/$j-$v.record.log" 2>&1 || { cat "$work/$j-$v.record.log" >&2; exit 1; }
      fi
      ;;
  esac
}

archive_flags() { # j variant
  case "$2" in
    cds | 25cds) echo "-XX:SharedArchiveFile=$work/$1-$2.jsa" ;;
    25aot) echo "-XX:AOTCache=$work/$1-$2.aot" ;;
    *) echo "" ;;
  esac
}

now_ms() {
  local t=${EPOCHREALTIME/[.,]/}
  echo $((t / 1000))
}

rss_kib() { # pid [field] -> VmRSS (or the given field, e.g. VmHWM:) in KiB, read without starting a process
  local key value rest
  while read -r key value rest; do
    if [ "$key" = "${2:-VmRSS:}" ]; then
      echo "$value"
      return
    fi
  done < "/proc/$1/status"
  echo 0
}

cpu_ms() { # pid -> user + system CPU time so far, in ms (clock ticks of 10 ms)
  local stat
  read -r -a stat < "/proc/$1/stat"
  echo $(((stat[13] + stat[14]) * 1000 / hz))
}
hz=$(getconf CLK_TCK)

# One start: sets result to "ms rss_kib cpu_ms [req_per_s hwm_kib]", or "fail" when no 200 came
# within TIMEOUT_SECONDS.
start_once() { # j jar variant
  local j=$1 jar=$2 v=$3 java port t0 t1 deadline code flags log rps
  java=$(java_of "$v")
  flags_of "$v"
  port=$(free_port)
  read -r -a flags <<< "$(archive_flags "$j" "$v")"
  log="$work/$j-$v.log"
  t0=$(now_ms)
  (cd "$work/run" && exec "$java" "${vflags[@]}" "${flags[@]}" "${extra_flags[@]}" -jar "$jar" \
    --upstream "http://127.0.0.1:$up_port" --port "$port") >"$log" 2>&1 &
  vigil_pid=$!
  deadline=$((t0 + TIMEOUT_SECONDS * 1000))
  while :; do
    code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/" 2>/dev/null || true)
    if [ "$code" = 200 ]; then
      t1=$(now_ms)
      result="$((t1 - t0)) $(rss_kib "$vigil_pid") $(cpu_ms "$vigil_pid")"
      if [ "$LOAD_SECONDS" != 0 ]; then
        rps=$(wrk -t1 -c16 -d"${LOAD_SECONDS}s" "http://127.0.0.1:$port/" | awk '/^Requests\/sec/ {printf "%d", $2}')
        result="$result ${rps:-0} $(rss_kib "$vigil_pid" VmHWM:)"
      fi
      break
    fi
    if ! kill -0 "$vigil_pid" 2>/dev/null || [ "$(now_ms)" -gt "$deadline" ]; then
      result=fail
      cat "$log" >&2
      break
    fi
    pause "$POLL_SECONDS"
  done
  kill -TERM "$vigil_pid" 2>/dev/null || true
  wait "$vigil_pid" 2>/dev/null || true
  vigil_pid=""
}

read -r -a jars <<< "$JARS"
read -r -a variants <<< "$VARIANTS"
for j in "${!jars[@]}"; do
  jars[j]=$(cd "$(dirname "${jars[j]}")" && pwd)/$(basename "${jars[j]}")
  for v in "${variants[@]}"; do
    record "$j" "${jars[j]}" "$v"
  done
done

declare -A times rss cpu warm hwm
for r in $(seq 1 "$RUNS"); do
  for v in "${variants[@]}"; do
    for j in "${!jars[@]}"; do
      start_once "$j" "${jars[j]}" "$v"
      echo "round $r  $(basename "${jars[j]}")  $v: $result" >&2
      if [ "$result" != fail ]; then
        read -r ms kib used rps peak <<< "$result"
        times[$j,$v]+="$ms "
        rss[$j,$v]+="$kib "
        cpu[$j,$v]+="$used "
        if [ -n "${rps:-}" ]; then
          warm[$j,$v]+="$rps "
          hwm[$j,$v]+="$((peak / 1024)) "
        fi
      fi
    done
  done
done

stats() { # numbers... -> "median min-max" (median of an even count: the lower middle)
  local sorted n
  read -r -a sorted <<< "$(printf '%s\n' "$@" | sort -n | tr '\n' ' ')"
  n=${#sorted[@]}
  if [ "$n" -eq 0 ]; then
    echo "- -"
    return
  fi
  echo "${sorted[$(((n - 1) / 2))]} ${sorted[0]}-${sorted[n - 1]}"
}

load=$(cut -d' ' -f1-3 /proc/loadavg)
echo
echo "Start-up to the first proxied 200, $RUNS rounds, load average at the end: $load"
echo
echo "| jar | variant | ms median | ms range | CPU ms median | CPU ms range | RSS MiB median | RSS MiB range |"
echo "|---|---|---|---|---|---|---|---|"
for j in "${!jars[@]}"; do
  for v in "${variants[@]}"; do
    read -r -a ts <<< "${times[$j,$v]:-}"
    read -r -a rs <<< "${rss[$j,$v]:-}"
    read -r -a cs <<< "${cpu[$j,$v]:-}"
    read -r tm tr <<< "$(stats "${ts[@]}")"
    read -r cm cr <<< "$(stats "${cs[@]}")"
    mibs=()
    for k in "${rs[@]}"; do mibs+=("$((k / 1024))"); done
    read -r rm rr <<< "$(stats "${mibs[@]}")"
    echo "| $(basename "${jars[j]}") | $v | $tm | $tr | $cm | $cr | $rm | $rr |"
  done
done
if [ "$LOAD_SECONDS" != 0 ]; then
  echo
  echo "Warm-up: wrk -t1 -c16 for ${LOAD_SECONDS} s right after the first 200"
  echo
  echo "| jar | variant | req/s median | req/s range | peak RSS MiB median | peak RSS MiB range |"
  echo "|---|---|---|---|---|---|"
  for j in "${!jars[@]}"; do
    for v in "${variants[@]}"; do
      read -r -a ls <<< "${warm[$j,$v]:-}"
      read -r -a hs <<< "${hwm[$j,$v]:-}"
      read -r lm lr <<< "$(stats "${ls[@]}")"
      read -r hm hr <<< "$(stats "${hs[@]}")"
      echo "| $(basename "${jars[j]}") | $v | $lm | $lr | $hm | $hr |"
    done
  done
fi
