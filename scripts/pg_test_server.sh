#!/usr/bin/env bash
# A private, throw-away PostgreSQL server for the tests: its own cluster in DIR, listening on 127.0.0.1 only,
# on a free port, with a password-protected role allowed to create databases (tests/databases.py creates one
# database per test from a template). It leaves the Debian cluster (15/main, port 5432) alone.
#
#   scripts/pg_test_server.sh start DIR   prints the DATABASE_URL (also written to DIR/database_url)
#   scripts/pg_test_server.sh stop DIR    stops the server and deletes DIR
#
# Needs Debian's postgresql package. As root (CI), the server runs as the postgres user, since PostgreSQL
# refuses to run as root; DIR's parent must then be reachable by that user (a directory under /tmp is).
# Example for a developer: `make test DATABASE_URL=$(scripts/pg_test_server.sh start /tmp/pdlm-pg)`.
set -euo pipefail

usage() { echo "usage: $0 start|stop DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
command=$1
dir=$(realpath -m "$2")
data="$dir/data"
socket_dir="$dir/run"
role=pdlm_test

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pg_bin" ]; then
    echo "PostgreSQL introuvable : installez le paquet Debian postgresql." >&2
    exit 1
fi

as_owner() {
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

is_running() {
    [ -f "$data/PG_VERSION" ] && as_owner "$pg_bin/pg_ctl" -D "$data" status >/dev/null 2>&1
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    if is_running && [ -f "$dir/database_url" ]; then
        cat "$dir/database_url"
        return
    fi
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres:postgres "$dir"
    fi
    chmod 700 "$dir"
    if [ ! -f "$data/PG_VERSION" ]; then
        # Local connections (a socket only the server's user can reach) are trusted; TCP needs the password.
        as_owner "$pg_bin/initdb" -D "$data" -U postgres -E UTF8 --locale=C.UTF-8 \
            --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; exit 1; }
        as_owner mkdir -p "$socket_dir"
    fi
    local port attempt
    for attempt in 1 2 3; do
        port=$(free_port)
        # A throw-away server: durability off, and rare checkpoints, make CREATE DATABASE … TEMPLATE (one per test)
        # and commits several times faster. No autovacuum: its workers (no role) cannot be ended by the test role,
        # which made DROP DATABASE … WITH (FORCE) fail now and then.
        if as_owner "$pg_bin/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 -o "\
-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$socket_dir \
-c unix_socket_permissions=0700 -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
-c max_wal_size=4GB -c checkpoint_timeout=1h -c max_connections=200 -c autovacuum=off" start >/dev/null; then
            break
        fi
        if [ "$attempt" -eq 3 ]; then
            tail -n 20 "$dir/server.log" >&2 || true
            exit 1
        fi
    done
    local password
    password=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
    as_owner "$pg_bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$socket_dir" -p "$port" -U postgres -d postgres <<SQL
DO \$\$ BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$role') THEN
    CREATE ROLE $role LOGIN CREATEDB;
  END IF;
END \$\$;
ALTER ROLE $role PASSWORD '$password';
SELECT 'CREATE DATABASE $role OWNER $role' WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$role')\gexec
SQL
    local url="postgresql+psycopg://$role:$password@127.0.0.1:$port/$role"
    (umask 077 && echo "$url" >"$dir/database_url")
    echo "$url"
}

stop() {
    if is_running; then
        as_owner "$pg_bin/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    fi
    rm -rf "$dir"
}

case "$command" in
    start) start ;;
    stop) stop ;;
    *) usage ;;
esac
