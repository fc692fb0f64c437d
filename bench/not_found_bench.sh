#!/usr/bin/env bash
# A 404 for a record that exists but is hidden from the caller against one for an
# id that does not exist, measured in the same run on the demo case: the ratio
# (hidden / missing) of median latencies should stay within the machine's noise,
# so that the time of an answer does not tell whether a hidden record exists.
#
#   bench/not_found_bench.sh BUILD_DIR [RUNS] [REQUESTS]
set -euo pipefail
build=${1:-build}
runs=${2:-3}
requests=${3:-400}
dir=$(mktemp -d "${TMPDIR:-/tmp}/refuge-404-bench.XXXXXX")
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
"$build/refuge" demo --data "$dir/d" >/dev/null 2>&1
echo "an outsider's passphrase" | "$build/refuge" user add outsider --role lawyer --password-stdin --data "$dir/d" >/dev/null
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$build/refuge" serve --data "$dir/d" --listen "127.0.0.1:$port" >"$dir/serve.log" 2>&1 &
pid=$!
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.1; done
/usr/bin/python3 - "$port" "$runs" "$requests" <<'PY'
import http.client, json, statistics, sys, time
port, runs, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port)
c.request("POST", "/api/v1/session", json.dumps({"username": "outsider", "password": "an outsider's passphrase"}),
          {"Content-Type": "application/json"})
headers = {"Authorization": "Bearer " + json.loads(c.getresponse().read())["token"]}
def median_us(path):
    xs = []
    for _ in range(n):
        t = time.perf_counter()
        c.request("GET", path, headers=headers)
        r = c.getresponse()
        r.read()
        xs.append(time.perf_counter() - t)
        assert r.status == 404, (path, r.status)
    return statistics.median(xs) * 1e6
pairs = {"person": ("/api/v1/people/per_wen_hao", "/api/v1/people/per_no_such_person"),
         "event": ("/api/v1/events/evt_demo_23", "/api/v1/events/evt_no_such_event")}
for kind, (hidden, missing) in pairs.items():
    ratios = []
    for _ in range(runs):
        h, m = median_us(hidden), median_us(missing)
        ratios.append(h / m)
    print(f"404 {kind:6} hidden / missing: median ratio {statistics.median(ratios):.3f} "
          f"(runs {', '.join(f'{r:.3f}' for r in ratios)}; last {h:.0f} vs {m:.0f} us)")
PY
