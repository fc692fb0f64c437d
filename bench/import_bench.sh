#!/usr/bin/env bash
# Import: `refuge import` of a generated dataset into a new SQLite data dir, against
# the sqlite3 shell's `.import` of the same events as CSV into a plain table (WAL,
# synchronous=FULL, like Refuge): the floor for writing those rows with SQLite.
# Prints events per second for both, their ratio (Refuge / sqlite3) and Refuge's
# peak resident memory, for each run and as medians; then the time and peak memory
# of `refuge export` of what was imported.
#
#   bench/import_bench.sh BUILD_DIR [PERSONS] [RUNS]
#
# IMPORT_BENCH_KEEP=DIR keeps the last run's data dir there (bench/run.sh hands it
# to the API benchmark, so a large dataset is loaded once per run.sh).
set -euo pipefail
build=${1:?build dir}
persons=${2:-20000}
runs=${3:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/refuge-import-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$build/refuge-bench" gen --persons "$persons" --out "$work/dataset.json" --csv "$work/events.csv" 2>"$work/gen.log"
cat "$work/gen.log" >&2
events=$(wc -l <"$work/events.csv")

median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
now() { date +%s.%N; }

: >"$work/ratios"; : >"$work/refuge"; : >"$work/sqlite"; : >"$work/rss"; : >"$work/export"; : >"$work/export_rss"
printf '%-4s %14s %14s %8s %10s\n' run refuge_ev/s sqlite3_ev/s ratio peak_MiB
for run in $(seq 1 "$runs"); do
  rm -rf "$work/data" "$work/ref.db" "$work/ref.db-wal" "$work/ref.db-shm"
  t0=$(now)
  /usr/bin/time -f '%M' -o "$work/time.txt" "$build/refuge" import "$work/dataset.json" --data "$work/data" >/dev/null
  t1=$(now)
  sqlite3 "$work/ref.db" "PRAGMA journal_mode=WAL" "PRAGMA synchronous=FULL" \
    "CREATE TABLE events(id TEXT, subject TEXT, matter TEXT, type TEXT, date TEXT, body TEXT)" \
    ".import --csv $work/events.csv events" >/dev/null
  t2=$(now)
  r=$(echo "$events / ($t1 - $t0)" | bc -l)
  s=$(echo "$events / ($t2 - $t1)" | bc -l)
  ratio=$(echo "$r / $s" | bc -l)
  rss=$(echo "$(cat "$work/time.txt") / 1024" | bc -l)
  echo "$r" >>"$work/refuge"; echo "$s" >>"$work/sqlite"; echo "$ratio" >>"$work/ratios"; echo "$rss" >>"$work/rss"
  printf '%-4s %14.0f %14.0f %8.3f %10.0f\n' "$run" "$r" "$s" "$ratio" "$rss"
  t0=$(now)
  /usr/bin/time -f '%M' -o "$work/time.txt" "$build/refuge" export --data "$work/data" --out "$work/export.json"
  t1=$(now)
  echo "$t1 - $t0" | bc -l >>"$work/export"
  echo "$(cat "$work/time.txt") / 1024" | bc -l >>"$work/export_rss"
  rm -f "$work/export.json"
done
if [ -n "${IMPORT_BENCH_KEEP:-}" ]; then
  rm -rf "$IMPORT_BENCH_KEEP"
  mv "$work/data" "$IMPORT_BENCH_KEEP"
fi
printf '%-4s %14.0f %14.0f %8.3f %10.0f\n' median "$(median <"$work/refuge")" "$(median <"$work/sqlite")" \
  "$(median <"$work/ratios")" "$(median <"$work/rss")"
printf 'export %.1f %.0f\n' "$(median <"$work/export")" "$(median <"$work/export_rss")"
echo "import: $persons persons, $events events; median ratio $(median <"$work/ratios" | xargs printf '%.3f') of sqlite3 .import (goal 0.5)"
