#!/usr/bin/env bash
# Loads the demo case into the data dir (idempotent) and starts the server.
set -euo pipefail
bin=$1
data=$2
listen=$3
# The demo's evidence vault has a public passphrase; a real one never does.
export REFUGE_PASSPHRASE=${REFUGE_PASSPHRASE:-demo-vault-aksu-site-3}
echo "Evidence vault passphrase (demo only): $REFUGE_PASSPHRASE"
"$bin" demo --data "$data"
echo
echo "Open http://$listen/ in a browser and sign in as maya (password demo-maya-lindqvist)."
echo "The API is at http://$listen/api/v1 (see docs/api.md); for example:"
echo "  curl -s -X POST http://$listen/api/v1/session -H 'Content-Type: application/json' \\"
echo "       -d '{\"username\":\"maya\",\"password\":\"demo-maya-lindqvist\"}'"
echo "Evidence: GET http://$listen/api/v1/evidence?matter=mat_wen_asylum with the token (docs/api.md)."
echo "Stop the server with Ctrl-C."
exec "$bin" serve --data "$data" --listen "$listen"
