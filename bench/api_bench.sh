#!/usr/bin/env bash
# API: wrk against `refuge serve` on a generated dataset, against nginx (started
# here on loopback) serving the same response bytes as a static file, in the same
# run, alternating. Two endpoints:
#   chronology  GET /api/v1/matters/<the 200-event matter>/chronology
#   search      GET /api/v1/search?q=... cycling through names (Latin and
#               two-character Chinese) and A-numbers; nginx serves one answer
# Prints requests per second, p50 and p99 latency for each, the ratio to nginx,
# and the server's peak resident memory. Every request is authenticated and, as
# a read of a client's record, written to the audit log.
#
#   bench/api_bench.sh BUILD_DIR [PERSONS] [RUNS] [SECONDS]
#
# API_BENCH_DATA=DIR serves a data dir already loaded with `refuge-bench gen
# --persons PERSONS` and `refuge import` (at a million persons the load is the
# long part) instead of loading a new one; the benchmark's reads and audit
# entries are added to it.
set -euo pipefail
build=$(cd "${1:?build dir}" && pwd)
persons=${2:-20000}
runs=${3:-3}
seconds=${4:-10}
connections=${API_BENCH_CONNECTIONS:-32}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/refuge-api-bench.XXXXXX")
chmod 755 "$work"
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
data=${API_BENCH_DATA:-$work/data}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
# wrk's latency with its unit, in milliseconds.
to_ms() { awk '{v=$1; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}; printf "%.3f\n", v}'; }

if [ -z "${API_BENCH_DATA:-}" ]; then
  "$build/refuge-bench" gen --persons "$persons" --out "$work/dataset.json" 2>&1 >&2
  "$build/refuge" import "$work/dataset.json" --data "$data" >/dev/null
  rm "$work/dataset.json"
fi
"$build/refuge-bench" queries --persons "$persons" --count 500 >"$work/queries.txt"

port=$(free_port)
export REFUGE_PASSPHRASE=refuge-bench-vault-passphrase
"$build/refuge" serve --data "$data" --listen "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
server_pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 600); do
  curl -s -o /dev/null "$base/api/v1/schema" && break
  sleep 0.2
done
token=$(curl -sf -X POST -H 'Content-Type: application/json' \
  -d '{"username":"lawyer_000","password":"refuge-bench-password"}' "$base/api/v1/session" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
auth="Authorization: Bearer $token"

mkdir -p "$work/www/api/v1/matters/mat_00000000_0" "$work/www/search"
chronology=/api/v1/matters/mat_00000000_0/chronology
curl -sf -H "$auth" "$base$chronology" >"$work/www$chronology"
count=$(python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(len(d.get("events", d)))' "$work/www$chronology")
first_query=$(head -n 1 "$work/queries.txt")
curl -sf -H "$auth" "$base/api/v1/search?q=$first_query" >"$work/www/search/answer.json"
echo "chronology: $count events, $(wc -c <"$work/www$chronology") bytes; search answer: $(wc -c <"$work/www/search/answer.json") bytes" >&2

nport=$(free_port)
user_line=""
[ "$(id -u)" -eq 0 ] && user_line="user root;"
cat >"$work/nginx.conf" <<EOF
$user_line
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 100000;
  default_type application/json;
  server {
    listen 127.0.0.1:$nport;
    root $work/www;
    location / { try_files \$uri /search/answer.json; }
  }
}
EOF
nginx -c "$work/nginx.conf" -p "$work"
for _ in $(seq 1 50); do curl -s -o /dev/null "http://127.0.0.1:$nport$chronology" && break; sleep 0.1; done

cat >"$work/search.lua" <<EOF
local queries = {}
for line in io.lines("$work/queries.txt") do queries[#queries + 1] = line end
local i = 0
request = function()
  i = i % #queries + 1
  return wrk.format("GET", "/api/v1/search?q=" .. queries[i])
end
EOF

# run NAME URL [wrk args...]: appends "rps p50 p99" to $work/NAME.
run() {
  local name=$1 url=$2
  shift 2
  wrk -t2 -c"$connections" -d"${seconds}s" --latency "$@" "$url" >"$work/wrk.txt"
  if grep -q 'Non-2xx' "$work/wrk.txt"; then
    echo "$name: some answers were not 2xx" >&2
    cat "$work/wrk.txt" >&2
    exit 1
  fi
  local rps p50 p99
  rps=$(awk '/^Requests\/sec/ {print $2}' "$work/wrk.txt")
  p50=$(awk '$1 == "50%" {print $2}' "$work/wrk.txt" | to_ms)
  p99=$(awk '$1 == "99%" {print $2}' "$work/wrk.txt" | to_ms)
  echo "$rps $p50 $p99" >>"$work/$name"
}

for run_no in $(seq 1 "$runs"); do
  run nginx_chronology "http://127.0.0.1:$nport$chronology"
  run refuge_chronology "$base$chronology" -H "$auth"
  run nginx_search "http://127.0.0.1:$nport/search/answer.json"
  run refuge_search "$base" -H "$auth" -s "$work/search.lua"
  echo "run $run_no done" >&2
done

# Search latency by kind of query, one request at a time on one connection (no
# queueing behind other requests): Latin-script names, two-character Chinese
# names, A-numbers.
python3 - "$port" "$token" "$work/queries.txt" <<'PY'
import http.client, sys, time
port, token, path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
conn = http.client.HTTPConnection("127.0.0.1", port)
by_kind = {}
for q in open(path).read().split():
    kind = "cjk_2char" if q.startswith("%") and q.count("%") == 6 else \
           "cjk" if q.startswith("%") else "a_number" if q[:2] == "A2" else "latin"
    start = time.perf_counter()
    conn.request("GET", "/api/v1/search?q=" + q, headers={"Authorization": "Bearer " + token})
    r = conn.getresponse()
    r.read()
    if r.status != 200:
        sys.exit(f"search {q}: HTTP {r.status}")
    by_kind.setdefault(kind, []).append((time.perf_counter() - start) * 1000)
for kind in sorted(by_kind):
    v = sorted(by_kind[kind])
    pct = lambda p: v[min(len(v) - 1, int(p * len(v)))]
    print(f"search latency {kind:10s} {len(v):4d} queries  p50 {pct(0.5):8.2f} ms  p99 {pct(0.99):8.2f} ms")
PY

hwm=$(awk '/VmHWM/ {print $2}' "/proc/$server_pid/status")
col() { awk -v c="$1" '{print $c}' "$work/$2" | median; }
printf '%-22s %10s %9s %9s %8s\n' endpoint req/s p50_ms p99_ms ratio
for what in chronology search; do
  n=$(col 1 "nginx_$what")
  r=$(col 1 "refuge_$what")
  ratio=$(paste "$work/refuge_$what" "$work/nginx_$what" | awk '{print $1 / $4}' | median)
  printf '%-22s %10.0f %9.3f %9.3f %8s\n' "nginx $what" "$n" "$(col 2 "nginx_$what")" "$(col 3 "nginx_$what")" ""
  printf '%-22s %10.0f %9.3f %9.3f %8.3f\n' "refuge $what" "$r" "$(col 2 "refuge_$what")" "$(col 3 "refuge_$what")" "$ratio"
done
echo "api: $persons persons, $connections connections, ${seconds}s x $runs runs; server peak RSS $((hwm / 1024)) MiB"
