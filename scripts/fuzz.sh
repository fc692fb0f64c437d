#!/usr/bin/env bash
# Runs every fuzz target for a bounded time from its seed corpus and prints how
# many inputs each ran. A crash stops with the input saved under fuzz/crashes/.
set -euo pipefail
build=${1:-build-fuzz}
seconds=${2:-30}
cd "$(dirname "$0")/.."
mkdir -p fuzz/crashes
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
printf '%-22s %12s %8s\n' target executions result
for bin in "$build"/*_fuzz; do
  name=$(basename "$bin" _fuzz)
  mkdir -p "$work/$name"
  log="$work/$name.log"
  # New inputs go to the scratch corpus; the seeds in the repository stay as they are.
  if "$bin" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix=fuzz/crashes/"$name"- \
      "$work/$name" "fuzz/corpus/$name" >"$log" 2>&1; then
    result=ok
  else
    result=CRASH
    status=1
    tail -n 30 "$log"
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  printf '%-22s %12s %8s\n' "$name" "$runs" "$result"
done
exit $status
