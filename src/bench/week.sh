#!/usr/bin/env bash
# "A week in 20 minutes" (issue 14), run by hand as root (not in CI): one leaking Flask app, a
# 512 MiB cgroup v1 memory limit it hits every ~2 minutes when nothing protects it, the same steady
# load, four setups one after the other, one table row each:
#   vigil-recycle   java -jar vigil.jar run --set recycle.enabled=true -- gunicorn ...
#   vigil-norecycle the same with recycle.enabled=false (the control: OOM kills, restarts, held requests)
#   pm2             pm2 start --max-memory-restart (fork mode, no proxy in front, as PM2 is used)
#   gunicorn-maxreq gunicorn --max-requests with --max-requests-jitter (no proxy in front)
#
#   sudo bash src/bench/week.sh                      # 4 min per setup, about 17 min in all
#   DURATION=3m sudo bash src/bench/week.sh
#   SETUPS="vigil-recycle pm2" DURATION=3m sudo bash src/bench/week.sh
#
# The app keeps LEAK_KIB KiB per request for good; a paced client (load.py, below) sends RATE requests/s in total from
# CLIENTS clients, so the app grows RATE*LEAK_KIB KiB/s (defaults: 20/s x 192 KiB = 3.75 MiB/s,
# 512 MiB in a little over 2 minutes). Each app runs in a fresh memory cgroup
# (/sys/fs/cgroup/memory/vigil-week-SETUP, limit MEMORY_LIMIT); OOM kills are the cgroup's
# memory.oom_control oom_kill count. Vigil itself stays outside the cgroup (its RSS is reported).
# Failed = non-2xx answers + transport errors (timeout: 20 s).
# Needs: cgroup v1 memory controller, gunicorn, python3-flask, pm2 (npm install -g pm2), java.
set -euo pipefail
cd "$(dirname "$0")/../.."

DURATION=${DURATION:-4m}
SETUPS=${SETUPS:-vigil-recycle vigil-norecycle pm2 gunicorn-maxreq}
CLIENTS=${CLIENTS:-4}
RATE=${RATE:-20}                       # requests/s in total
LEAK_KIB=${LEAK_KIB:-192}              # kept per request
MEMORY_LIMIT=${MEMORY_LIMIT:-536870912}
WORKERS=${WORKERS:-2}                  # gunicorn sync workers
PORT=${PORT:-18090}                    # where the load goes (Vigil, or the app itself)
PM2_MAX_MEMORY=${PM2_MAX_MEMORY:-300M}
MAX_REQUESTS=${MAX_REQUESTS:-800}      # per worker; + jitter must stay under the limit
MAX_REQUESTS_JITTER=${MAX_REQUESTS_JITTER:-200}
VIGIL_ARGS=${VIGIL_ARGS:-}
CG_ROOT=/sys/fs/cgroup/memory

for tool in gunicorn pm2 java python3 curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done
[ -w "$CG_ROOT" ] || { echo "needs root and the cgroup v1 memory controller at $CG_ROOT" >&2; exit 1; }
[ -f target/vigil.jar ] || mvn -B -q -o -DskipTests package

WORK=$(mktemp -d /tmp/vigil-week.XXXXXX)
export PM2_HOME="$WORK/pm2"
cat >"$WORK/app.py" <<'EOF'
"""Leaks LEAK_KIB KiB per GET /leak, for good; /api/health keeps nothing."""
import os

from flask import Flask

app = Flask(__name__)
LEAK = int(os.environ.get("LEAK_KIB", "192")) * 1024
kept = []


@app.get("/leak")
def leak():
    kept.append(bytearray(LEAK))  # zero-filled, so resident
    return "kept %d\n" % len(kept)


@app.get("/api/health")
def health():
    return "ok\n"


if __name__ == "__main__":  # one process, for PM2, which watches the process it started
    from werkzeug.serving import run_simple
    run_simple("127.0.0.1", int(os.environ["PORT"]), app, threaded=True)
EOF
# Runs its arguments inside cgroup $WEEK_CG (same PID: exec).
cat >"$WORK/incg.sh" <<'EOF'
#!/usr/bin/env bash
echo $$ >"$WEEK_CG/cgroup.procs"
exec "$@"
EOF
chmod +x "$WORK/incg.sh"
export LEAK_KIB

STARTED=()
cleanup() {
  for pid in "${STARTED[@]}"; do kill "$pid" 2>/dev/null || true; done
  pm2 kill >/dev/null 2>&1 || true
}
trap cleanup EXIT

fresh_cgroup() {  # $1 name: an empty cgroup with the limit
  local cg="$CG_ROOT/$1"
  if [ -d "$cg" ]; then
    while read -r p; do kill -9 "$p" 2>/dev/null || true; done <"$cg/cgroup.procs"
    rmdir "$cg"
  fi
  mkdir "$cg"
  echo "$MEMORY_LIMIT" >"$cg/memory.limit_in_bytes"
  echo "$cg"
}

oom_kills() { awk '$1 == "oom_kill" {print $2}' "$1/memory.oom_control"; }

wait_up() {  # $1 url: bounded wait for a 200

  for _ in $(seq 1 300); do
    curl -fs -o /dev/null "$1" && return 0
    sleep 0.2
  done
  echo "not up: $1" >&2
  return 1
}

rss_mib() { awk '/^VmRSS/ {printf "%d", $2/1024}' "/proc/$1/status" 2>/dev/null || echo 0; }
hwm_mib() { awk '/^VmHWM/ {printf "%d", $2/1024}' "/proc/$1/status" 2>/dev/null || echo 0; }

# A paced keep-alive client (as hey -c CLIENTS -q RATE/CLIENTS: each client sends at most RATE/CLIENTS
# requests/s, a late one at once): one line per request, "start_epoch_s latency_ms status" (status 0
# for a transport error; timeout 20 s, as hey's), so latency can also be cut to the recycle windows.
cat >"$WORK/load.py" <<'EOF'
import http.client, sys, threading, time
host, port, path, seconds, clients, rate, out = sys.argv[1], int(sys.argv[2]), sys.argv[3], float(sys.argv[4]), \
    int(sys.argv[5]), float(sys.argv[6]), sys.argv[7]
interval, end, rows, lock = clients / rate, time.time() + seconds, [], threading.Lock()
def client(k):
    conn, due = None, time.time() + k * interval / clients
    while True:
        now = time.time()
        if now >= end:
            return
        if due > now:
            time.sleep(due - now)
        due = max(due + interval, time.time())
        t0 = time.time()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=20)
            conn.request("GET", path)
            r = conn.getresponse()
            r.read()
            status = r.status
            if (r.getheader("connection") or "").lower() == "close":
                conn.close()
                conn = None
        except Exception:
            status = 0
            if conn is not None:
                conn.close()
            conn = None
        with lock:
            rows.append("%.3f %.1f %d" % (t0, (time.time() - t0) * 1000, status))
threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
[t.start() for t in threads]
[t.join() for t in threads]
open(out, "w").write("\n".join(rows) + "\n")
EOF

seconds_of() { awk -v d="$1" 'BEGIN { n = d + 0; u = substr(d, length(n "") + 1); print n * (u == "m" ? 60 : u == "h" ? 3600 : 1) }'; }

load() {  # $1 setup: steady paced load for DURATION, one line per request in $WORK/$1.requests
  python3 "$WORK/load.py" 127.0.0.1 "$PORT" /leak "$(seconds_of "$DURATION")" "$CLIENTS" "$RATE" "$WORK/$1.requests"
}

# Polls Vigil's health every second while the load runs: one line per recycle seen,
# "start_epoch_s duration_s path" (recycle.minInterval keeps them far more than a second apart).
watch_recycles() {  # $1 setup
  python3 - "$PORT" "$WORK/$1.recycles" <<'EOF' &
import datetime, json, sys, time, urllib.request
port, out, seen = sys.argv[1], sys.argv[2], {}
while True:
    try:
        doc = json.load(urllib.request.urlopen("http://127.0.0.1:%s/sidecar/health" % port, timeout=2))
        last = doc["app"]["recycles"]["last"]
        if last and last["t"] not in seen:
            t = datetime.datetime.fromisoformat(last["t"][:26].rstrip("Z") + "+00:00").timestamp()
            seen[last["t"]] = "%.3f %.1f %s" % (t, last["duration_s"], last["path"])
            open(out, "w").write("\n".join(seen.values()) + "\n")
    except Exception:
        pass
    time.sleep(1)
EOF
  WATCHER=$!
}

# From the request lines (and the recycle windows, when given): ok, failed, p50, p99, max overall,
# then "n p50 p99 max" of the requests in flight during a recycle ("0 - - -" without any).
stats() {  # $1 requests file, $2 recycles file (may not exist)
  python3 - "$1" "${2:-/nonexistent}" <<'EOF'
import os, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
wins = [tuple(map(float, l.split()[:2])) for l in open(sys.argv[2]) if l.strip()] if os.path.exists(sys.argv[2]) else []
def pct(xs, p):
    xs = sorted(xs)
    return "%.0f" % xs[min(len(xs) - 1, int(p / 100.0 * len(xs)))] if xs else "-"
ok = sum(1 for r in rows if r[2].startswith("2"))
lat = [float(r[1]) for r in rows]
during = [float(r[1]) for r in rows
          if any(float(r[0]) <= t + d and float(r[0]) + float(r[1]) / 1000 >= t for t, d in wins)]
print(ok, len(rows) - ok, pct(lat, 50), pct(lat, 99), "%.0f" % max(lat),
      ("%d %s %s %.0f" % (len(during), pct(during, 50), pct(during, 99), max(during))) if during else "0 - - -")
EOF
}

ROWS=()
row() {  # setup oom restarts recycles vigil_rss requests_file [recycles_file]
  local s during="-"
  s=$(stats "$6" "${7:-}")
  read -r ok bad p50 p99 max dn dp50 dp99 dmax <<<"$s"
  [ "$dn" != 0 ] && during="$dp50 / $dp99 / $dmax ($dn requests)"
  ROWS+=("| $1 | $2 | $bad of $((ok + bad)) | $4 | $3 | $p50 / $p99 / $max | $during | $5 |")
}

run_vigil() {  # $1 setup name, $2 recycle.enabled
  local cg vigil before health
  cg=$(fresh_cgroup "vigil-week-$1")
  before=$(oom_kills "$cg")
  # Vigil's own flags as shipped (not relaunched), heap sized as in a 256 MiB container.
  # shellcheck disable=SC2086
  WEEK_CG="$cg" java @docker/jvm.options -XX:MaxRAM=256m -jar target/vigil.jar run \
    --port "$PORT" --set recycle.enabled="$2" --set recycle.minInterval=30s --set recycle.horizon=60s \
    --set memory.poll.interval=1s --set memory.trend.window=60s --set lifecycle.drainTimeout=10s \
    --set recycle.baselineAfter=5s --set recycle.lead=20s \
    --set app.stopTimeout=5s $VIGIL_ARGS \
    -- "$WORK/incg.sh" gunicorn -w "$WORKERS" -b "127.0.0.1:{port}" --chdir "$WORK" app:app \
    >"$WORK/$1.log" 2>&1 &
  vigil=$!
  STARTED+=("$vigil")
  wait_up "http://127.0.0.1:$PORT/sidecar/health/ready"
  watch_recycles "$1"
  load "$1"
  kill "$WATCHER" 2>/dev/null || true
  health=$(curl -s "http://127.0.0.1:$PORT/sidecar/health")
  read -r restarts recycles <<<"$(python3 -c '
import json, sys
a = json.loads(sys.argv[1])["app"]
r = a["restarts"]; by = a["recycles"].get("by_path") or {}
print("%d(oom:%d)" % (sum(r.values()), r.get("oom_killed", 0)),
      "overlap:%d,hold:%d" % (by.get("overlap", 0), by.get("hold", 0)))' "$health")"
  local rss hwm killed
  rss=$(rss_mib "$vigil"); hwm=$(hwm_mib "$vigil")
  kill -TERM "$vigil"; wait "$vigil" || true
  # An OOM kill of one gunicorn worker is not an app exit: the master starts a new worker.
  killed=$(grep -c "terminated due to signal 9" "$WORK/$1.log" || true)
  restarts="$restarts, $killed worker SIGKILLed"
  row "$1" "$(($(oom_kills "$cg") - before))" "$restarts" "$recycles" "$rss (peak $hwm)" "$WORK/$1.requests" \
    "$WORK/$1.recycles"
}

run_pm2() {
  local cg before restarts
  cg=$(fresh_cgroup vigil-week-pm2)
  before=$(oom_kills "$cg")
  # Fork mode; PM2 checks memory every 30 s (its docs), so the threshold leaves 30 s of growth
  # (~110 MiB here) under the limit.
  WEEK_CG="$cg" PORT="$PORT" pm2 start "$WORK/incg.sh" --name week --interpreter bash \
    --max-memory-restart "$PM2_MAX_MEMORY" -- python3 "$WORK/app.py" >"$WORK/pm2.log" 2>&1
  wait_up "http://127.0.0.1:$PORT/api/health"
  load pm2
  restarts=$(pm2 jlist 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["pm2_env"]["restart_time"])')
  pm2 kill >/dev/null 2>&1 || true
  row pm2 "$(($(oom_kills "$cg") - before))" "$restarts" "-" "-" "$WORK/pm2.requests"
}

run_gunicorn() {
  local cg before g boots
  cg=$(fresh_cgroup vigil-week-gunicorn-maxreq)
  before=$(oom_kills "$cg")
  # gunicorn's docs: max_requests "to help limit the damage of memory leaks", the jitter so the
  # workers do not restart together. Tuned so each worker stays under half the limit:
  # (MAX_REQUESTS + JITTER) x LEAK_KIB = 187.5 MiB per worker at the defaults.
  WEEK_CG="$cg" "$WORK/incg.sh" gunicorn -w "$WORKERS" -b "127.0.0.1:$PORT" --chdir "$WORK" \
    --max-requests "$MAX_REQUESTS" --max-requests-jitter "$MAX_REQUESTS_JITTER" app:app \
    >"$WORK/gunicorn.log" 2>&1 &
  g=$!
  STARTED+=("$g")
  wait_up "http://127.0.0.1:$PORT/api/health"
  load gunicorn-maxreq
  kill -TERM "$g"; wait "$g" || true
  boots=$(grep -c "Booting worker" "$WORK/gunicorn.log" || true)
  row gunicorn-maxreq "$(($(oom_kills "$cg") - before))" "$((boots - WORKERS)) worker" "-" "-" \
    "$WORK/gunicorn-maxreq.requests"
}

for s in $SETUPS; do
  echo "$(date -u +%H:%M:%S) $s ($DURATION)" >&2
  case $s in
    vigil-recycle) run_vigil "$s" true ;;
    vigil-norecycle) run_vigil "$s" false ;;
    pm2) run_pm2 ;;
    gunicorn-maxreq) run_gunicorn ;;
    *) echo "unknown setup $s" >&2; exit 1 ;;
  esac
  rmdir "$CG_ROOT/vigil-week-$s" 2>/dev/null || true
done

echo
echo "$DURATION per setup, $CLIENTS clients, $RATE requests/s, $LEAK_KIB KiB kept per request," \
  "limit $((MEMORY_LIMIT >> 20)) MiB; logs in $WORK"
echo
echo "| setup | OOM kills | failed requests | recycles by path | restarts | p50 / p99 / max ms |" \
  "during recycles p50 / p99 / max ms | Vigil RSS MiB |"
echo "|---|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
