#!/usr/bin/env bash
# Builds store_bench and runs it on SQLite and on a throw-away PostgreSQL cluster
# with durable settings (scripts/with-postgres.sh). Arguments go to store_bench:
#
#   bench/store_bench.sh                                      # 20,000 people, 10 events each
#   bench/store_bench.sh --persons 1000000 --events-per-person 10 --part 20000
#
# BUILD_DIR picks the build directory (default: build; a new one is configured
# for Release).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD_DIR:-$root/build}
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" --target store_bench >/dev/null
REFUGE_PG_DURABLE=1 "$root/scripts/with-postgres.sh" bash -c '
  set -euo pipefail
  bench=$1
  shift
  psql -qX "$REFUGE_TEST_PG_DSN" -c "CREATE DATABASE refuge_bench ENCODING '"'"'UTF8'"'"' TEMPLATE template0"
  "$bench" "$@" --db sqlite --db "${REFUGE_TEST_PG_DSN%/*}/refuge_bench"
  psql -qXAt "${REFUGE_TEST_PG_DSN%/*}/refuge_bench" -c "SELECT '"'"'postgresql database size: '"'"' ||
    pg_size_pretty(pg_database_size(current_database())) || '"'"', search_terms rows: '"'"' ||
    (SELECT count(*) FROM search_terms)"
' store-bench "$build/store_bench" "$@"
