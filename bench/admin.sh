#!/usr/bin/env bash
# The operator console's page latency with a large inbox (issue 26): `examples/admin_latency.rs`
# (release) fills an inbox with $ROWS rows (default 1,000,000: 97 % done, 2 % pending, 1 % dead,
# five providers, received over the last week) and times each page over loopback HTTP, p50 /
# p95 / max of $REQUESTS requests. Target: every page <= 50 ms.
#
#   bench/admin.sh                    # SQLite, then PostgreSQL
#   CASES=sqlite bench/admin.sh
#
# The SQLite file and the Postgres cluster live in $DATA_DIR (default /var/tmp, a disk), and are
# deleted on exit. Needs: cargo, Debian's postgresql (/usr/lib/postgresql/*/bin; run as the
# postgres user when root), ss.
set -euo pipefail
BENCH=admin
ROOT=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

CASES=${CASES:-"sqlite postgres"}
DATA_DIR=${DATA_DIR:-/var/tmp}
export ROWS=${ROWS:-1000000} REQUESTS=${REQUESTS:-30}
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}

WORK=$(mktemp -d "$DATA_DIR/webhook-guard-admin-bench.XXXXXX")
chmod 755 "$WORK" # the postgres user must reach its cluster inside
PG_DATA=""
as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
cleanup() {
    if [ -n "$PG_DATA" ]; then as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate stop >/dev/null 2>&1 || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
log "building (release): admin_latency"
(cd "$ROOT" && cargo build --release --quiet --example admin_latency)
BIN=$CARGO_TARGET_DIR/release/examples/admin_latency
log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

for case in $CASES; do
    case $case in
        sqlite)
            INBOX_URL="sqlite://$WORK/console.db" "$BIN"
            ;;
        postgres)
            [ -x "$PG_BIN/initdb" ] || die "PostgreSQL not found under /usr/lib/postgresql/*/bin"
            dir=$WORK/pg
            mkdir -p "$dir"
            [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
            port=$(free_port)
            as_postgres "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C >"$WORK/initdb.log" 2>&1 \
                || { cat "$WORK/initdb.log" >&2; die "initdb failed"; }
            PG_DATA=$dir/data
            as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$dir/postgres.log" -w -t 30 \
                -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir" \
                start >/dev/null || { cat "$dir/postgres.log" >&2; die "postgres did not start"; }
            "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -X -q -c "CREATE DATABASE console" >/dev/null
            INBOX_URL="postgres://postgres@127.0.0.1:$port/console" "$BIN"
            ;;
        *) die "unknown case: $case" ;;
    esac
    log "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
done
