#!/usr/bin/env bash
# Installs the Debian packages Refuge builds and tests with, skipping those present.
# Safe to run repeatedly; needs root (or sudo) only when something is missing.
# With --bench: what `make bench` needs besides the build.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git ccache
  libcpp-httplib-dev nlohmann-json3-dev libsqlite3-dev sqlite3
  libssl-dev libsodium-dev libcli11-dev libgtest-dev libgmock-dev
  libspdlog-dev libfmt-dev libbenchmark-dev curl python3 python3-icalendar openssl
  clang libclang-rt-14-dev
  chromium fonts-noto-cjk
  postgresql libpq-dev
  libexiv2-dev libavformat-dev libavcodec-dev libavutil-dev libmagic-dev libarchive-dev
  ffmpeg libimage-exiftool-perl imagemagick bc
)

# The benchmarks' references and load generator (`make bench`): nginx is only ever
# started by bench/api_bench.sh, on loopback, with its own configuration.
if [ "${1:-}" = "--bench" ]; then
  packages=(wrk nginx time bc sqlite3 python3 curl)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

# The web UI is built with Node.js (20.19 or later) and npm; a machine that has
# them from elsewhere keeps its own.
command -v node >/dev/null 2>&1 || missing+=(nodejs)
command -v npm >/dev/null 2>&1 || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing Debian packages: ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
