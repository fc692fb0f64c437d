#!/usr/bin/env bash
# Builds the web UI into OUT_DIR/dist and writes OUT_DIR/web_assets.{S,cc}, the
# files CMake compiles into the refuge binary. Installs node_modules from
# package-lock.json first when it is missing or the lock file changed.
# Usage: web/scripts/build.sh OUT_DIR
set -euo pipefail
out=${1:?usage: build.sh OUT_DIR}
web=$(cd "$(dirname "$0")/.." && pwd)
cd "$web"
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Several build directories may build at once: one npm ci at a time, and only
# when the lock file differs from the one node_modules was installed from.
(
  flock 9
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  have=$(cat node_modules/.refuge-lock-sha256 2>/dev/null || true)
  if [ "$want" != "$have" ]; then
    echo "web: npm ci --no-audit"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$want" > node_modules/.refuge-lock-sha256
  fi
) 9>"$web/.npm-install.lock"

node node_modules/typescript/bin/tsc --noEmit -p .
node node_modules/vite/bin/vite.js build --logLevel warn --outDir "$out/dist" --emptyOutDir
node scripts/embed.mjs "$out/dist" "$out/web_assets.S" "$out/web_assets.cc"
