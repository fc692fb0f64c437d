#!/usr/bin/env bash
# Runs a command beside a throw-away PostgreSQL cluster:
#
#   scripts/with-postgres.sh ctest --test-dir build --output-on-failure
#
# The cluster is made with initdb in a temporary directory and run with pg_ctl as
# an ordinary process (no system service), listening only on a free loopback port.
# The command sees REFUGE_TEST_PG_DSN, a URL of the cluster's maintenance database
# for a superuser; tests create and drop their own databases with it. The cluster
# is stopped and its directory removed when the command ends, also when it fails
# or is interrupted. The command's exit code is this script's.
#
# The default collation is ICU's English one, whose order is not bytewise, so the
# tests notice any key or sort column that misses the "C" collation.
set -euo pipefail

# The whole script is one function, read by bash before it runs, so that editing
# this file while a test run is going on cannot change what the run does.
main() {
  if [ $# -eq 0 ]; then
    echo "usage: $0 COMMAND [ARGS...]" >&2
    exit 2
  fi

  bindir=""
  if command -v pg_config >/dev/null && [ -x "$(pg_config --bindir)/initdb" ]; then
    bindir=$(pg_config --bindir)
  fi
  if [ -z "$bindir" ]; then
    bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
  fi
  if [ -z "$bindir" ] || [ ! -x "$bindir/initdb" ] || [ ! -x "$bindir/pg_ctl" ]; then
    echo "$0: PostgreSQL's initdb and pg_ctl are missing; run scripts/install-deps.sh" >&2
    exit 2
  fi

  # PostgreSQL refuses to run as root: then the cluster runs as an unprivileged user.
  run_as=()
  owner=$(id -un)
  if [ "$(id -u)" -eq 0 ]; then
    owner=refuge-test
    if ! id -u "$owner" >/dev/null 2>&1; then
      useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$owner"
    fi
    run_as=(runuser -u "$owner" --)
  fi

  dir=$(mktemp -d "${TMPDIR:-/tmp}/refuge-pg-XXXXXX")
  chmod 0700 "$dir"
  chown "$owner" "$dir"

  stop_cluster() {
    if [ -f "$dir/data/postmaster.pid" ]; then
      "${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
  }
  trap stop_cluster EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM

  "${run_as[@]}" "$bindir/initdb" -D "$dir/data" -U refuge --auth=trust --encoding=UTF8 \
    --locale=C.UTF-8 --locale-provider=icu --icu-locale=en-US >"$dir/initdb.log" 2>&1 || {
    cat "$dir/initdb.log" >&2
    exit 70
  }

  free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
  }

  # A throw-away cluster for tests trades durability for speed: no fsync, no
  # full-page writes. REFUGE_PG_DURABLE=1 keeps PostgreSQL's durable defaults (and
  # more memory), as a benchmark wants.
  settings="-c max_connections=300"
  if [ "${REFUGE_PG_DURABLE:-}" = 1 ]; then
    settings="$settings -c shared_buffers=1GB -c max_wal_size=8GB"
  else
    settings="$settings -c shared_buffers=128MB -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  fi
  started=no
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    if "${run_as[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
      "-c listen_addresses=127.0.0.1 -p $port -k $dir $settings" >/dev/null; then
      started=yes
      break
    fi
  done
  if [ "$started" != yes ]; then
    echo "$0: the PostgreSQL test cluster did not start:" >&2
    tail -n 20 "$dir/server.log" >&2 || true
    exit 70
  fi

  export REFUGE_TEST_PG_DSN="postgresql://refuge@127.0.0.1:$port/postgres"
  echo "PostgreSQL test cluster on 127.0.0.1:$port ($dir)" >&2
  set +e
  "$@"
  rc=$?
  set -e
  exit $rc
}

main "$@"
