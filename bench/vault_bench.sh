#!/usr/bin/env bash
# The evidence vault against `openssl dgst -sha256` on the same file, in the same
# run: a 1 GiB file held in the page cache, a vault on a memory-backed directory
# (/dev/shm). Prints each run and the median throughput ratios
# (openssl time / vault time: 1.0 means as fast as hashing alone).
#
#   bench/vault_bench.sh BUILD_DIR [RUNS] [SIZE_MIB]
set -euo pipefail
build=${1:-build}
runs=${2:-5}
size_mib=${3:-1024}
bench="$build/vault_bench"
[ -x "$bench" ] || { echo "$0: build $bench first (cmake --build $build --target vault_bench)" >&2; exit 2; }

dir=$(mktemp -d /dev/shm/refuge-vault-bench-XXXXXX)
trap 'rm -rf "$dir"' EXIT
file="$dir/input.bin"
head -c "$((size_mib << 20))" /dev/urandom > "$file"
cat "$file" > /dev/null  # in the page cache (tmpfs is memory anyway)

now() { date +%s.%N; }
openssl_times=()
ingest_times=()
verify_times=()
rss=0
for i in $(seq "$runs"); do
  t0=$(now)
  expected=$(openssl dgst -sha256 -r "$file" | cut -d' ' -f1)
  t1=$(now)
  openssl_times+=("$(echo "$t1 - $t0" | bc -l)")
  line=$("$bench" "$file" "$dir/data" 1)
  ingest_times+=("$(echo "$line" | sed 's/.*"ingest_seconds": \([0-9.]*\).*/\1/')")
  verify_times+=("$(echo "$line" | sed 's/.*"verify_seconds": \([0-9.]*\).*/\1/')")
  got=$(echo "$line" | sed 's/.*"sha256": "\([0-9a-f]*\)".*/\1/')
  this_rss=$(echo "$line" | sed 's/.*"peak_rss_kib": \([0-9]*\).*/\1/')
  [ "$this_rss" -gt "$rss" ] && rss=$this_rss
  [ "$got" = "$expected" ] || { echo "$0: the vault's SHA-256 differs from openssl's" >&2; exit 1; }
  printf 'run %d: openssl dgst -sha256 %.3f s, vault ingest %.3f s, vault verify %.3f s\n' \
    "$i" "${openssl_times[-1]}" "${ingest_times[-1]}" "${verify_times[-1]}"
done

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
ingest_ratios=()
verify_ratios=()
for i in $(seq 0 $((runs - 1))); do
  ingest_ratios+=("$(echo "${openssl_times[$i]} / ${ingest_times[$i]}" | bc -l)")
  verify_ratios+=("$(echo "${openssl_times[$i]} / ${verify_times[$i]}" | bc -l)")
done
mib=$size_mib
printf '\n%d MiB, %d runs, medians:\n' "$mib" "$runs"
printf '  openssl dgst -sha256  %7.0f MiB/s\n' "$(echo "$mib / $(median "${openssl_times[@]}")" | bc -l)"
printf '  vault ingest          %7.0f MiB/s   ratio %.3f (target >= 0.85)\n' \
  "$(echo "$mib / $(median "${ingest_times[@]}")" | bc -l)" "$(median "${ingest_ratios[@]}")"
printf '  vault verify          %7.0f MiB/s   ratio %.3f (target >= 0.85)\n' \
  "$(echo "$mib / $(median "${verify_times[@]}")" | bc -l)" "$(median "${verify_ratios[@]}")"
printf '  peak memory of the vault process: %d MiB (target < 64 MiB)\n' "$((rss / 1024))"
