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
# Dictionaries for the targets whose inputs have a structure of their own.
cat >"$work/bag.dict" <<'EOF_DICT'
"::"
"::data/"
" -> "
" |"
"../"
"bagit.txt"
"BagIt-Version: 1.0"
"BagIt-Version: 0.97"
"Tag-File-Character-Encoding: UTF-8"
"manifest-sha256.txt"
"manifest-sha512.txt"
"manifest-md5.txt"
"tagmanifest-sha256.txt"
"bag-info.txt"
"Payload-Oxum: "
"fetch.txt"
"refuge-custody.json"
"%0A"
"%0D"
"%25"
EOF_DICT
cat >"$work/evidence_upload.dict" <<'EOF_DICT'
"POST /api/v1/evidence?subject=per_fuzz_client"
"&matter=mat_fuzz_asylum"
"&filename="
"&captured="
"&source_url=https://"
"Content-Length: "
"Transfer-Encoding: chunked\x0d\x0a"
"Content-Encoding: gzip\x0d\x0a"
"Content-Type: multipart/form-data; boundary="
"Expect: 100-continue\x0d\x0a"
"Connection: close\x0d\x0a"
"Range: bytes=0-"
"Exif\x00\x00"
"http://ns.adobe.com/xap/1.0/\x00"
"ICC_PROFILE\x00"
"IHDR"
"tEXt"
"eXIf"
"ftyp"
"moov"
"udta"
"\x1aE\xdf\xa3"
EOF_DICT

# Flags for one target. The evidence targets do disk, database and media-library
# work for every input: their inputs are capped, and an input that takes longer
# than the timeout (a hang) fails the run like a crash. The upload target keeps
# an installation across inputs (database, audit thread), which makes libFuzzer's
# leak check run after almost every input and triples its cost; leaks are still
# checked when the process exits.
target_flags() {
  case "$1" in
    evidence_upload) echo "-max_len=65536 -timeout=60 -detect_leaks=0 -dict=$work/evidence_upload.dict" ;;
    bag) echo "-max_len=16384 -timeout=30 -dict=$work/bag.dict" ;;
    *) echo "" ;;
  esac
}

status=0
printf '%-22s %12s %8s\n' target executions result
for bin in "$build"/*_fuzz; do
  name=$(basename "$bin" _fuzz)
  mkdir -p "$work/$name"
  log="$work/$name.log"
  # New inputs go to the scratch corpus; the seeds in the repository stay as they are.
  # shellcheck disable=SC2046  # the flags are words
  if "$bin" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix=fuzz/crashes/"$name"- \
      $(target_flags "$name") "$work/$name" "fuzz/corpus/$name" >"$log" 2>&1; then
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
