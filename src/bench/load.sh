#!/usr/bin/env bash
# Load benchmark, run by hand (not in CI): the same small upstream measured directly, through
# Vigil and through nginx configured as an equivalent reverse proxy, in one run.
#
#   bash src/bench/load.sh                 # defaults: 10 s per wrk run, 64 connections
#   DURATION=30s CONNECTIONS=128 bash src/bench/load.sh
#   VIGIL_ARGS="--set ratelimit.enabled=true" bash src/bench/load.sh   # cost of a feature
#
# Needs: wrk, hey, nginx (apt-get install wrk hey nginx). Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-20s}           # per proxy, before anything is measured
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
RATE=${RATE:-2000}             # fixed-rate run: requests per second in total
RATE_SECONDS=${RATE_SECONDS:-10}
UPSTREAM_PORT=${UPSTREAM_PORT:-18000}
VIGIL_PORT=${VIGIL_PORT:-18080}
NGINX_PORT=${NGINX_PORT:-18081}
VIGIL_ARGS=${VIGIL_ARGS:-}
if [ -z "${JVM_OPTS:-}" ]; then
  if [ -f docker/jvm.options ]; then
    # The image's flags, with the heap sized as in a container limited to 256 MiB.
    JVM_OPTS="@docker/jvm.options -XX:MaxRAM=256m -XX:SharedArchiveFile=target/vigil.jsa"
  else
    JVM_OPTS="-XX:+UseSerialGC -Xmx96m"
  fi
fi

for tool in wrk hey nginx; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install wrk hey nginx" >&2; exit 1; }
done
[ -f target/vigil.jar ] || mvn -B -q -DskipTests package
# A class-data-sharing archive, as the image records one (faster start; see the README).
if [ ! -f target/vigil.jsa ] || [ target/vigil.jar -nt target/vigil.jsa ]; then
  java @docker/jvm.options -XX:MaxRAM=256m -XX:ArchiveClassesAtExit=target/vigil.jsa -jar target/vigil.jar warmup \
    >/dev/null 2>&1 || true
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

# The upstream: nginx answering a small static JSON body, so the proxies are what is measured.
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
  }
}
CONF
# nginx as a reverse proxy with a keep-alive upstream pool: the peer Vigil is measured against.
cat > "$work/proxy.conf" <<CONF
worker_processes auto;
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
nginx -c "$work/up.conf" -p "$work"
nginx -c "$work/proxy.conf" -p "$work"
# shellcheck disable=SC2086
java $JVM_OPTS -jar target/vigil.jar --port "$VIGIL_PORT" --upstream "http://127.0.0.1:$UPSTREAM_PORT" \
  --set listen.host=127.0.0.1 --set memory.enabled=false --set keepalive.enabled=false $VIGIL_ARGS \
  > "$work/vigil.log" 2>&1 &
vigil_pid=$!
pids+=("$vigil_pid")
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$VIGIL_PORT/sidecar/health/live" >/dev/null 2>&1 && break
  sleep 0.1
done
sleep 0.5
mapfile -t nginx_pids < <(cat "$work/nginx-proxy.pid"; pgrep -P "$(cat "$work/nginx-proxy.pid")")

rss_kib() { # total RSS (or with FIELD=VmHWM, peak RSS) of the given pids, KiB
  local total=0
  for p in "$@"; do
    local v
    v=$(awk -v f="${FIELD:-VmRSS}:" '$1 == f {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
    total=$((total + ${v:-0}))
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

wrk_run() { # url pids... -> "requests/s cpu_us_per_request" (CPU of the given processes only)
  local url=$1
  shift
  local before after out
  before=$(cpu_ticks "$@")
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$url")
  after=$(cpu_ticks "$@")
  awk -v b="$before" -v a="$after" -v hz="$(getconf CLK_TCK)" '
    /requests in/ { n = $1 }
    /Requests\/sec/ { rps = $2 }
    END { printf "%s %s\n", rps, (n > 0 && a > b) ? sprintf("%.1f", (a - b) / hz / n * 1e6) : "-" }' <<< "$out"
}

paced_pcts() { # url -> "p50_ms p99_ms": evenly spaced requests at a fixed total rate (src/bench/Paced.java)
  local out
  out=$(java src/bench/Paced.java "$1" "$RATE" "$RATE_SECONDS" 20)
  awk '{print $1, $3}' <<< "$out"
}

hey_pcts() { # url -> "p50_ms p99_ms" at a fixed total rate: hey's 20 workers tick together, so bursts of 20
  local per_worker=$((RATE / 20))
  hey -z "${RATE_SECONDS}s" -c 20 -q "$per_worker" -disable-keepalive=false "$1" > "$work/hey.txt"
  local p50 p99
  p50=$(awk '/ 50%/ {print $3*1000}' "$work/hey.txt")
  p99=$(awk '/ 99%/ {print $3*1000}' "$work/hey.txt")
  echo "$p50 $p99"
}

# Both proxies get the same warm-up under the same load: the JVM compiles its hot path in the
# first seconds (C2 competes for the two cores), and a sidecar is measured as it runs for hours.
echo "warming up for $WARMUP each..." >&2
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "http://127.0.0.1:$VIGIL_PORT/" >/dev/null
wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" "http://127.0.0.1:$NGINX_PORT/" >/dev/null

declare -A rps cpu p50 p99 hp50 hp99 rss peak
for target in direct vigil nginx; do
  case $target in
    direct) url="http://127.0.0.1:$UPSTREAM_PORT/" ;;
    vigil) url="http://127.0.0.1:$VIGIL_PORT/" ;;
    nginx) url="http://127.0.0.1:$NGINX_PORT/" ;;
  esac
  echo "measuring $target..." >&2
  case $target in
    direct) read -r rps[$target] cpu[$target] <<< "$(wrk_run "$url")" ;;
    vigil) read -r rps[$target] cpu[$target] <<< "$(wrk_run "$url" "$vigil_pid")" ;;
    nginx) read -r rps[$target] cpu[$target] <<< "$(wrk_run "$url" "${nginx_pids[@]}")" ;;
  esac
  case $target in
    vigil) rss[$target]=$(rss_kib "$vigil_pid") ;;
    nginx) rss[$target]=$(rss_kib "${nginx_pids[@]}") ;;
    *) rss[$target]=0 ;;
  esac
  read -r p50[$target] p99[$target] <<< "$(paced_pcts "$url")"
  read -r hp50[$target] hp99[$target] <<< "$(hey_pcts "$url")"
  case $target in
    vigil) peak[$target]=$(FIELD=VmHWM rss_kib "$vigil_pid") ;;
    nginx) peak[$target]=$(FIELD=VmHWM rss_kib "${nginx_pids[@]}") ;;
    *) peak[$target]=0 ;;
  esac
done

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }'; }
mib() { awk -v k="$1" 'BEGIN { printf "%.0f MiB", k / 1024 }'; }

echo
echo "| target | requests/s (wrk -t$THREADS -c$CONNECTIONS -d$DURATION) | proxy CPU per request | p50 / p99 paced at $RATE/s | p50 / p99 hey -q at $RATE/s (bursts of 20) | proxy RSS after wrk (peak over the run) |"
echo "|---|---|---|---|---|---|"
echo "| app directly | ${rps[direct]} | - | ${p50[direct]} / ${p99[direct]} ms | ${hp50[direct]} / ${hp99[direct]} ms | - |"
echo "| nginx $(nginx -v 2>&1 | sed 's/.*nginx\///') | ${rps[nginx]} | ${cpu[nginx]} µs | ${p50[nginx]} / ${p99[nginx]} ms | ${hp50[nginx]} / ${hp99[nginx]} ms | $(mib "${rss[nginx]}") ($(mib "${peak[nginx]}")) |"
echo "| Vigil | ${rps[vigil]} ($(ratio "${rps[vigil]}" "${rps[nginx]}") nginx) | ${cpu[vigil]} µs ($(ratio "${cpu[vigil]}" "${cpu[nginx]}")) | ${p50[vigil]} / ${p99[vigil]} ms ($(ratio "${p99[vigil]}" "${p99[nginx]}") nginx) | ${hp50[vigil]} / ${hp99[vigil]} ms ($(ratio "${hp99[vigil]}" "${hp99[nginx]}") nginx) | $(mib "${rss[vigil]}") ($(mib "${peak[vigil]}")) |"
echo
echo "JVM flags: $JVM_OPTS ${VIGIL_ARGS:+(Vigil args: $VIGIL_ARGS)}; $(nproc) cores; $(java -version 2>&1 | head -1)"
