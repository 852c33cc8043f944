#!/usr/bin/env bash
# Load benchmark, run by hand (not in CI): the same upstream measured directly, through nginx
# configured as an equivalent reverse proxy, through Vigil and through vertx-http-proxy (the
# forwarding engine Vigil does not use; src/test/java/dev/vigil/bench/HttpProxyMain.java), in one run.
#
#   bash src/bench/load.sh                 # defaults: 10 s per wrk run, 64 connections
#   RUNS=3 bash src/bench/load.sh          # three runs, one table each
#   PIN=1 bash src/bench/load.sh           # proxies on CPU 1, load generators and upstream on CPU 0
#   DURATION=30s CONNECTIONS=128 bash src/bench/load.sh
#   TARGETS="nginx vigil" bash src/bench/load.sh
#   VIGIL_ARGS="--set ratelimit.enabled=true" bash src/bench/load.sh   # cost of a feature
#   JAR=/tmp/other/vigil.jar JVM_OPTS="@docker/jvm.options -XX:MaxRAM=256m -Xmn16m" bash src/bench/load.sh
#                                          # another build (its archive beside it) or other flags, for an A/B
#   BREAKDOWN=1 TARGETS=vigil bash src/bench/load.sh   # + where Vigil's RSS goes, idle and after the runs
#                                          # (src/bench/rss_breakdown.py; adds -XX:NativeMemoryTracking=summary)
#
# Per target: wrk throughput for a 29-byte and a 16 KiB answer, the proxy's CPU per request
# (utime+stime of its processes / requests) at saturation and at a fixed rate, paced p50/p99/p99.9
# (src/bench/Paced.java: evenly spaced, latency from each request's due time), RSS idle (before any
# load) / after the runs / peak (VmHWM), threads, and for Vigil the bytes allocated per proxied
# small request (jvm_gc_memory_allocated_bytes_total from /sidecar/metrics around the small wrk
# run: young collections x eden, exact to about one eden over the run).
# Needs: wrk, nginx (apt-get install wrk nginx). Prints Markdown tables.
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-20s}           # per proxy, before anything is measured
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
RATE=${RATE:-2000}             # fixed-rate run: requests per second in total
RATE_SECONDS=${RATE_SECONDS:-10}
RUNS=${RUNS:-1}
PIN=${PIN:-}
TARGETS=${TARGETS:-direct nginx vigil vertx-http-proxy}
UPSTREAM_PORT=${UPSTREAM_PORT:-18000}
VIGIL_PORT=${VIGIL_PORT:-18080}
NGINX_PORT=${NGINX_PORT:-18081}
VHP_PORT=${VHP_PORT:-18082}
VIGIL_ARGS=${VIGIL_ARGS:-}
BREAKDOWN=${BREAKDOWN:-}
JAR=${JAR:-target/vigil.jar}
JSA=${JAR%.jar}.jsa
if [ -z "${JVM_OPTS:-}" ]; then
  # The image's flags, with the heap sized as in a container limited to 256 MiB.
  JVM_OPTS="@docker/jvm.options -XX:MaxRAM=256m"
fi
# The class-data-sharing archive recorded for $JAR, unless JVM_OPTS chooses (or turns off) sharing.
[[ "$JVM_OPTS" == *SharedArchiveFile* || "$JVM_OPTS" == *-Xshare* ]] || JVM_OPTS="$JVM_OPTS -XX:SharedArchiveFile=$JSA"
VIGIL_JVM_OPTS=$JVM_OPTS
[ -z "$BREAKDOWN" ] || VIGIL_JVM_OPTS="$JVM_OPTS -XX:NativeMemoryTracking=summary"

for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install wrk nginx curl" >&2; exit 1; }
done
[ -f "$JAR" ] || mvn -B -q -o -DskipTests package
# A class-data-sharing archive, as the image records one (faster start; see the README).
if [ ! -f "$JSA" ] || [ "$JAR" -nt "$JSA" ]; then
  rm -f "$JSA"
  java @docker/jvm.options -XX:MaxRAM=256m -XX:ArchiveClassesAtExit="$JSA" -jar "$JAR" warmup \
    >/dev/null 2>&1 || true
fi
if [[ " $TARGETS " == *" vertx-http-proxy "* ]]; then
  mvn -B -q -o test-compile
  mvn -B -q -o dependency:build-classpath -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test >/dev/null
fi

if [ -n "$PIN" ]; then
  PROXY_CPU=(taskset -c 1)
  LOAD_CPU=(taskset -c 0)
  NGINX_WORKERS=1
else
  PROXY_CPU=()
  LOAD_CPU=()
  NGINX_WORKERS=auto
fi

work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for f in "$work/nginx-up.pid" "$work/nginx-proxy.pid"; do
    if [ -f "$f" ]; then kill "$(cat "$f")" 2>/dev/null || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

head -c 16384 /dev/zero | tr '\0' 'x' > "$work/16k.txt"
chmod 755 "$work" && chmod 644 "$work/16k.txt" # nginx's workers run as another user
# The upstream: nginx answering a small static JSON body or a 16 KiB file, so the proxies are
# what is measured.
cat > "$work/up.conf" <<CONF
worker_processes 1;
pid $work/nginx-up.pid;
error_log $work/up-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  server {
    listen 127.0.0.1:$UPSTREAM_PORT;
    location / { default_type application/json; return 200 '{"ok":true,"service":"bench"}'; }
    location = /16k { default_type text/plain; alias $work/16k.txt; }
  }
}
CONF
# nginx as a reverse proxy with a keep-alive upstream pool: the peer Vigil is measured against.
cat > "$work/proxy.conf" <<CONF
worker_processes $NGINX_WORKERS;
pid $work/nginx-proxy.pid;
error_log $work/proxy-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  upstream app { server 127.0.0.1:$UPSTREAM_PORT; keepalive 20; }
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto \$scheme;
    }
  }
}
CONF

wait_up() { # url [pid]: up to 20 s; the pid must still be alive (not a stale server on the port)
  for _ in $(seq 1 200); do
    if [ -n "${2:-}" ] && ! kill -0 "$2" 2>/dev/null; then
      echo "exited before answering: $1" >&2
      return 1
    fi
    curl -fs "$1" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "not up: $1" >&2
  return 1
}

rss_kib() { # total RSS (or with FIELD=VmHWM, peak RSS) of the given pids, KiB
  local total=0
  for p in "$@"; do
    local v
    v=$(awk -v f="${FIELD:-VmRSS}:" '$1 == f {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
    total=$((total + ${v:-0}))
  done
  echo "$total"
}

threads() { # total threads of the given pids
  local total=0
  for p in "$@"; do
    total=$((total + $(awk '$1 == "Threads:" {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

cpu_ticks() { # total user+system CPU ticks of the given pids
  local total=0
  for p in "$@"; do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

per_request_us() { # ticks_before ticks_after requests -> microseconds of CPU per request
  awk -v b="$1" -v a="$2" -v n="$3" -v hz="$(getconf CLK_TCK)" \
    'BEGIN { if (n > 0 && a > b) printf "%.1f", (a - b) / hz / n * 1e6; else print "-" }'
}

allocated_bytes() { # Vigil's bytes allocated so far, from its own metrics
  curl -fs "http://127.0.0.1:$VIGIL_PORT/sidecar/metrics" |
    awk '/^jvm_gc_memory_allocated_bytes_total/ {printf "%.0f\n", $2}'
}

wrk_run() { # url pids... -> "requests/s cpu_us_per_request requests"
  local url=$1
  shift
  local before after out
  before=$(cpu_ticks "$@")
  out=$("${LOAD_CPU[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$url")
  after=$(cpu_ticks "$@")
  local n rps
  n=$(awk '/requests in/ {print $1}' <<< "$out")
  rps=$(awk '/Requests\/sec/ {print $2}' <<< "$out")
  if grep -q 'Non-2xx' <<< "$out"; then rps="$rps(errors!)"; fi
  echo "$rps $(per_request_us "$before" "$after" "$n") $n"
}

paced_run() { # url pids... -> "p50_ms p99_ms p999_ms cpu_us_per_request"
  local url=$1
  shift
  local before after out
  before=$(cpu_ticks "$@")
  out=$("${LOAD_CPU[@]}" java -XX:+UseSerialGC -Xmx256m src/bench/Paced.java "$url" "$RATE" "$RATE_SECONDS" 20)
  after=$(cpu_ticks "$@")
  # Paced runs one more second of warm-up than it counts: charge the CPU to all its requests.
  echo "$(awk '{print $1, $3, $4}' <<< "$out") $(per_request_us "$before" "$after" $((RATE * (RATE_SECONDS + 1))))"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2fx", a / b; else print "-" }'; }
mib() { awk -v k="$1" 'BEGIN { if (k > 0) printf "%.0f", k / 1024; else print "-" }'; }

one_run() {
  "${LOAD_CPU[@]}" nginx -c "$work/up.conf" -p "$work"
  wait_up "http://127.0.0.1:$UPSTREAM_PORT/"
  declare -A tpids url
  url[direct]="http://127.0.0.1:$UPSTREAM_PORT"
  tpids[direct]=""
  if [[ " $TARGETS " == *" nginx "* ]]; then
    "${PROXY_CPU[@]}" nginx -c "$work/proxy.conf" -p "$work"
    url[nginx]="http://127.0.0.1:$NGINX_PORT"
    wait_up "${url[nginx]}/"
    tpids[nginx]="$(cat "$work/nginx-proxy.pid") $(pgrep -d' ' -P "$(cat "$work/nginx-proxy.pid")")"
  fi
  if [[ " $TARGETS " == *" vigil "* ]]; then
    # shellcheck disable=SC2086
    "${PROXY_CPU[@]}" java $VIGIL_JVM_OPTS -jar "$JAR" --port "$VIGIL_PORT" \
      --upstream "http://127.0.0.1:$UPSTREAM_PORT" --set listen.host=127.0.0.1 --set memory.enabled=false \
      --set keepalive.enabled=false $VIGIL_ARGS > "$work/vigil.log" 2>&1 &
    pids+=("$!")
    tpids[vigil]=$!
    url[vigil]="http://127.0.0.1:$VIGIL_PORT"
    wait_up "${url[vigil]}/sidecar/health/live" "${tpids[vigil]}"
  fi
  if [[ " $TARGETS " == *" vertx-http-proxy "* ]]; then
    # shellcheck disable=SC2086
    "${PROXY_CPU[@]}" java $JVM_OPTS -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
      dev.vigil.bench.HttpProxyMain "$VHP_PORT" 127.0.0.1 "$UPSTREAM_PORT" > "$work/vhp.log" 2>&1 &
    pids+=("$!")
    tpids[vertx-http-proxy]=$!
    url[vertx-http-proxy]="http://127.0.0.1:$VHP_PORT"
    wait_up "${url[vertx-http-proxy]}/" "${tpids[vertx-http-proxy]}"
  fi
  sleep 2
  declare -A idle
  for t in $TARGETS; do
    # shellcheck disable=SC2086
    idle[$t]=$(rss_kib ${tpids[$t]})
  done
  local bd_idle="" bd_after=""
  if [ -n "$BREAKDOWN" ] && [ -n "${tpids[vigil]:-}" ]; then
    bd_idle=$(python3 src/bench/rss_breakdown.py "${tpids[vigil]}")
  fi

  # Every proxy gets the same warm-up under the same load: the JVM compiles its hot path in the
  # first seconds (C2 competes for the two cores), and a sidecar is measured as it runs for hours.
  for t in $TARGETS; do
    [ "$t" = direct ] && continue
    echo "warming up $t for $WARMUP..." >&2
    "${LOAD_CPU[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "${url[$t]}/" >/dev/null
    "${LOAD_CPU[@]}" wrk -t"$THREADS" -c"$CONNECTIONS" -d5s "${url[$t]}/16k" >/dev/null
  done

  declare -A rps cpu n rps16 cpu16 p50 p99 p999 cpurate rss peak thr
  local alloc="-"
  for t in $TARGETS; do
    echo "measuring $t..." >&2
    local a0=""
    [ "$t" = vigil ] && a0=$(allocated_bytes)
    # shellcheck disable=SC2086
    read -r rps[$t] cpu[$t] n[$t] <<< "$(wrk_run "${url[$t]}/" ${tpids[$t]})"
    if [ "$t" = vigil ]; then
      alloc=$(awk -v a="$(allocated_bytes)" -v b="$a0" -v n="${n[$t]}" 'BEGIN { printf "%.0f B", (a - b) / n }')
    fi
    # shellcheck disable=SC2086
    read -r rps16[$t] cpu16[$t] _ <<< "$(wrk_run "${url[$t]}/16k" ${tpids[$t]})"
    # shellcheck disable=SC2086
    read -r p50[$t] p99[$t] p999[$t] cpurate[$t] <<< "$(paced_run "${url[$t]}/" ${tpids[$t]})"
    # shellcheck disable=SC2086
    rss[$t]=$(rss_kib ${tpids[$t]})
    # shellcheck disable=SC2086
    peak[$t]=$(FIELD=VmHWM rss_kib ${tpids[$t]})
    # shellcheck disable=SC2086
    thr[$t]=$(threads ${tpids[$t]})
  done
  if [ -n "$BREAKDOWN" ] && [ -n "${tpids[vigil]:-}" ]; then
    bd_after=$(python3 src/bench/rss_breakdown.py "${tpids[vigil]}")
  fi

  echo
  echo "| target | req/s small | req/s 16 KiB | CPU/req small, 16 KiB, at $RATE/s (µs) | paced $RATE/s p50 / p99 / p99.9 (ms) | RSS idle / after / peak (MiB) | threads |"
  echo "|---|---|---|---|---|---|---|"
  for t in $TARGETS; do
    local name=$t rel="" relc="" relp=""
    [ "$t" = direct ] && name="app directly"
    [ "$t" = nginx ] && name="nginx $(nginx -v 2>&1 | sed 's/.*nginx\///')"
    if [ "$t" != direct ] && [ "$t" != nginx ] && [ -n "${rps[nginx]:-}" ]; then
      rel=" ($(ratio "${rps[$t]}" "${rps[nginx]}"))"
      local rel16=" ($(ratio "${rps16[$t]}" "${rps16[nginx]}"))"
      relc=" ($(ratio "${cpu[$t]}" "${cpu[nginx]}"), $(ratio "${cpu16[$t]}" "${cpu16[nginx]}"), $(ratio "${cpurate[$t]}" "${cpurate[nginx]}"))"
      relp=" ($(ratio "${p99[$t]}" "${p99[nginx]}"), $(ratio "${p999[$t]}" "${p999[nginx]}"))"
    else
      local rel16=""
    fi
    if [ "$t" = direct ]; then
      echo "| $name | ${rps[$t]} | ${rps16[$t]} | - | ${p50[$t]} / ${p99[$t]} / ${p999[$t]} | - | - |"
    else
      echo "| $name | ${rps[$t]}$rel | ${rps16[$t]}$rel16 | ${cpu[$t]}, ${cpu16[$t]}, ${cpurate[$t]}$relc | ${p50[$t]} / ${p99[$t]} / ${p999[$t]}$relp | $(mib "${idle[$t]}") / $(mib "${rss[$t]}") / $(mib "${peak[$t]}") | ${thr[$t]} |"
    fi
  done
  echo
  echo "Vigil allocation per proxied small request: $alloc. Ratios are x nginx in this run."
  if [ -n "$bd_idle" ]; then
    echo "Vigil's RSS by category (MiB), idle: $bd_idle"
    echo "Vigil's RSS by category (MiB), after the runs: $bd_after"
  fi
  echo "JVM flags: $VIGIL_JVM_OPTS ${VIGIL_ARGS:+(Vigil args: $VIGIL_ARGS)}; wrk -t$THREADS -c$CONNECTIONS -d$DURATION;" \
    "${PIN:+pinned (proxies on CPU 1, load on CPU 0);} $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg);" \
    "$(java -version 2>&1 | head -1)"

  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  pids=()
  for f in "$work/nginx-up.pid" "$work/nginx-proxy.pid"; do
    if [ -f "$f" ]; then kill "$(cat "$f")" 2>/dev/null || true; fi
  done
  sleep 1
}

for run in $(seq 1 "$RUNS"); do
  [ "$RUNS" -gt 1 ] && echo && echo "### run $run of $RUNS"
  one_run
done
