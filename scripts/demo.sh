#!/usr/bin/env bash
# Loads the demo case into the data dir (idempotent) and starts the server.
set -euo pipefail
bin=$1
data=$2
listen=$3
"$bin" demo --data "$data"
echo
echo "The API is at http://$listen/api/v1 (see docs/api.md); for example:"
echo "  curl -s -X POST http://$listen/api/v1/session -H 'Content-Type: application/json' \\"
echo "       -d '{\"username\":\"maya\",\"password\":\"demo-maya-lindqvist\"}'"
echo "Stop the server with Ctrl-C."
exec "$bin" serve --data "$data" --listen "$listen"
