#!/usr/bin/env bash
# `make bench`: every benchmark, each against its reference in the same run, at a
# size that finishes in about ten minutes on a 2-core machine, then one table.
#
#   bench/run.sh BUILD_DIR                    # 20,000 persons (~300,000 events)
#   BENCH_PERSONS=1000000 bench/run.sh build  # national scale (hours: see docs/performance.md)
#
# BENCH_RUNS sets the runs per benchmark (default 3; medians are reported).
set -euo pipefail
build=${1:-build}
persons=${BENCH_PERSONS:-20000}
runs=${BENCH_RUNS:-3}
here=$(cd "$(dirname "$0")" && pwd)
logs=$(mktemp -d "${TMPDIR:-/tmp}/refuge-bench-logs.XXXXXX")
trap 'rm -rf "$logs"' EXIT

section() { printf '\n== %s ==\n' "$1"; }
section "import ($persons persons)"
# The API benchmark serves the data dir the last import run loaded.
IMPORT_BENCH_KEEP="$logs/data" "$here/import_bench.sh" "$build" "$persons" "$runs" | tee "$logs/import"
section "API ($persons persons)"
API_BENCH_DATA="$logs/data" "$here/api_bench.sh" "$build" "$persons" "$runs" 10 | tee "$logs/api"
section "vault (1 GiB)"
"$here/vault_bench.sh" "$build" "$runs" 1024 | tee "$logs/vault"
section "deadlines"
"$build/deadlines_bench" --benchmark_repetitions="$runs" --benchmark_report_aggregates_only=true --benchmark_color=false \
  2>&1 | sed 's/\x1b\[[0-9;]*m//g' | tee "$logs/deadlines"

section "404 of a hidden record against a missing one"
"$here/not_found_bench.sh" "$build" "$runs" | tee "$logs/not_found"

section "summary (medians; ratio = Refuge / reference, higher is better)"
{
  printf '%-34s %-24s %s\n' benchmark measured "ratio (goal)"
  awk '$1 == "median" {printf "%-34s %-24s %s\n", "import events/s vs sqlite3 .import", sprintf("%.0f/s, %d MiB peak", $2, $5), sprintf("%.3f (0.5)", $4)}' "$logs/import"
  awk '$1 == "export" {printf "%-34s %-24s %s\n", "refuge export of the same data", sprintf("%.1f s, %d MiB peak", $2, $3), "-"}' "$logs/import"
  awk '$1 == "refuge" {printf "%-34s %-24s %s\n", "API " $2 " vs nginx", sprintf("%.0f/s p50 %.1f p99 %.1f ms", $3, $4, $5), sprintf("%.3f (0.5, p99<20ms)", $6)}' "$logs/api"
  awk '/server peak RSS/ {print "API server peak RSS                 " $(NF-1) " MiB"}' "$logs/api"
  awk '/^  vault ingest/ {printf "%-34s %-24s %s\n", "vault ingest vs openssl dgst", $3 " MiB/s", $6 " (0.85)"}
       /^  vault verify/ {printf "%-34s %-24s %s\n", "vault verify vs openssl dgst", $3 " MiB/s", $6 " (0.85)"}
       /peak memory of the vault/ {printf "%-34s %-24s\n", "vault peak RSS", $7 " MiB"}' "$logs/vault"
  # With several repetitions the aggregate is named ..._median; with one, the run itself.
  awk '/BM_DeadlinesOfManyCases/ && !/_mean|_stddev|_cv/ {t = $2 " " $3}
       END {if (t != "") printf "%-34s %-24s\n", "deadlines of 1,000,000 cases", t}' "$logs/deadlines"
  awk '/deadlines of one case/ {printf "%-34s %-24s %s\n", "deadlines of a case vs copying it", "", $NF}' "$logs/deadlines"
} | tee "$logs/summary"
