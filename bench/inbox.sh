#!/usr/bin/env bash
# The durable inbox's benchmark (issue 18): the example receiver (`examples/receiver.rs`) in inbox
# mode, release build, answering pre-signed distinct Audit Trail deliveries sent by `wrk`.
#
#   bench/inbox.sh                     # everything, ~3 min after the release build
#   CASES="sqlite postgres" bench/inbox.sh
#
# Cases (CASES, default all five; tx-sqlite, tx-sqlite-direct and tx-postgres on demand):
#   sqlite, postgres     acknowledged deliveries/s: receiver (HTTP, verification, group commit and
#                        its workers, HANDLER_DELAY_MS=0) pinned to core $SERVER_CPU, wrk -t1
#                        -c$CONNECTIONS on core $CLIENT_CPU for $DURATION s after a $WARMUP s
#                        warm-up. PostgreSQL is not pinned (2 cores: it shares them). Target
#                        >= 3,000/s each.
#   slow-sqlite,         ack latency at ~1,000 deliveries/s while every handler takes 2 s
#   slow-postgres        (HANDLER_DELAY_MS=2000): wrk -c$PACED_CONNECTIONS (24) with
#                        $PACED_DELAY_MS (20) ms between each connection's requests
#                        (bench/wrk/paced.lua), for 2 x $DURATION s. Target p99 <= 10 ms.
#   tx-sqlite,           ack latency, closed loop at -c$CONNECTIONS, while every handler is a
#   tx-sqlite-direct,    2 s transaction that writes its row first (HANDLER_WRITE_FIRST=1), so
#   tx-postgres          that on SQLite it holds the file's write lock throughout; -direct with
#                        SQLite's intake off (INBOX_SQLITE_INTAKE=0). Target p99 <= 20 ms.
#   claim                the workers' claim query (32 rows, as the receiver's 32 workers ask)
#                        with $CLAIM_ROWS done rows (default 1,000,000) and 20,000 pending in the
#                        table: 200 claims, p50/p95/max, each committed (as the workers do: a
#                        synced commit), then the statement alone (200 more in one transaction). Postgres through psql (\timing, a
#                        prepared statement as sqlx uses), SQLite through python3's sqlite3
#                        (WAL, synchronous=FULL, as the inbox opens it). Target p95 <= 5 ms.
#
# Durability is real: the SQLite file and the Postgres cluster live in $DATA_DIR (default
# /var/tmp, a disk: not tmpfs, where fsync is free), synchronous=FULL and Postgres's defaults
# (fsync=on, synchronous_commit=on). The request pools go to $POOL_DIR (/dev/shm).
#
# Needs: cargo, wrk (`apt-get install -y wrk`), taskset, curl, ss, Debian's postgresql
# (/usr/lib/postgresql/*/bin; run as the postgres user when root), psql, python3. Everything it
# starts is stopped on exit, and its files deleted.
#
# Environment: CASES, DURATION (10), WARMUP (2), CONNECTIONS (64), SERVER_CPU (0),
# CLIENT_CPU (1), BODY_SIZE (1024), CLAIM_ROWS (1000000), PACED_CONNECTIONS (24),
# PACED_DELAY_MS (20), SLOW_HANDLER_MS (2000), DATA_DIR, POOL_DIR, CARGO_TARGET_DIR.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH=inbox.sh
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

CASES=${CASES:-"sqlite postgres slow-sqlite slow-postgres claim"}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CONNECTIONS=${CONNECTIONS:-64}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
BODY_SIZE=${BODY_SIZE:-1024}
CLAIM_ROWS=${CLAIM_ROWS:-1000000}
# ~1,000/s: each connection waits PACED_DELAY_MS, plus its request's own latency.
PACED_CONNECTIONS=${PACED_CONNECTIONS:-24}
PACED_DELAY_MS=${PACED_DELAY_MS:-20}
# The handlers' time in the slow cases (0: the same pace with instant handlers, to compare).
SLOW_HANDLER_MS=${SLOW_HANDLER_MS:-2000}
DATA_DIR=${DATA_DIR:-/var/tmp}
POOL_DIR=${POOL_DIR:-/dev/shm}
SECRET=whsec_abc123def456
TICKS=$(getconf CLK_TCK)

for tool in cargo wrk taskset curl ss python3; do
    command -v "$tool" >/dev/null || die "$tool not found (wrk: apt-get install -y wrk)"
done
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}
[ -x "$PG_BIN/initdb" ] || die "PostgreSQL not found under /usr/lib/postgresql/*/bin (apt-get install -y postgresql)"
[ -d "$POOL_DIR" ] || POOL_DIR=/tmp

WORK=$(mktemp -d "$DATA_DIR/webhook-guard-inbox-bench.XXXXXX")
POOLS=$(mktemp -d "$POOL_DIR/webhook-guard-inbox-pools.XXXXXX")
chmod 755 "$WORK" # the postgres user must reach its cluster inside
PG_DATA=""

as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

cleanup() {
    stop_all
    if [ -n "$PG_DATA" ]; then as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -m immediate stop >/dev/null 2>&1 || true; fi
    rm -rf "$WORK" "$POOLS"
}
trap cleanup EXIT
trap 'exit 130' INT TERM



NEXT_INDEX=0
make_pool() {
    # Distinct ids across every pool of the run: each takes the next index range.
    BODY_SIZE=$BODY_SIZE AUDIT_TRAIL_SECRET=$SECRET \
        "$CARGO_TARGET_DIR/release/examples/load_gen" "$1" "$2" "$NEXT_INDEX" 2>>"$WORK/load_gen.log"
    NEXT_INDEX=$((NEXT_INDEX + $2))
}

run_wrk() {
    local port=$1 seconds=$2 pool=$3 out=$4 script=$5 connections=$6 delay=${7:-}
    taskset -c "$CLIENT_CPU" wrk -t1 -c"$connections" -d"${seconds}s" --timeout 5s \
        -s "$ROOT/bench/wrk/$script" "http://127.0.0.1:$port/webhooks/audit-trail" -- "$pool" $delay \
        >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed"; }
    grep -q '^RESULT ' "$out" || { cat "$out" >&2; die "no RESULT from wrk"; }
    grep '^RESULT ' "$out" | cut -d' ' -f2-
}

# ---------------------------------------------------------------------------------------------
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
log "building (release): receiver, load_gen"
cargo build --release --quiet --example receiver --example load_gen

start_postgres() {
    local dir=$WORK/pg
    mkdir -p "$dir"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir"
    PG_PORT=$(free_port)
    as_postgres "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C >"$WORK/initdb.log" 2>&1 \
        || { cat "$WORK/initdb.log" >&2; die "initdb failed"; }
    PG_DATA=$dir/data
    as_postgres "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$dir/postgres.log" -w -t 30 \
        -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c max_connections=200" \
        start >/dev/null || { cat "$dir/postgres.log" >&2; die "postgres did not start"; }
    log "postgres $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$PG_PORT (fsync=on, synchronous_commit=on), data in $PG_DATA"
}

pg() { "$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -X -q -A -t -v ON_ERROR_STOP=1 "$@"; }

# The URL of a fresh inbox for case $1.
inbox_url() {
    case $1 in
        *sqlite) echo "sqlite://$WORK/$1.db" ;;
        *postgres)
            pg -d postgres -c "CREATE DATABASE inbox_${1//-/_}" >/dev/null
            echo "postgres://postgres@127.0.0.1:$PG_PORT/inbox_${1//-/_}"
            ;;
    esac
}

declare -A RESULT

# Throughput: wrk as fast as the receiver answers.
bench_throughput() {
    local name=$1 url port pid warm rate count result cpu0 cpu1 requests non2xx duration
    url=$(inbox_url "$name")
    port=$(free_port)
    make_pool "$POOLS/warm.pool" 50000
    INBOX_URL=$url PORT=$port AUDIT_TRAIL_SECRET=$SECRET RUST_LOG=warn DEAD_LETTER_DIR=$WORK/dead \
        taskset -c "$SERVER_CPU" "$CARGO_TARGET_DIR/release/examples/receiver" >/dev/null 2>"$WORK/$name.log" &
    pid=$!
    PIDS+=("$pid")
    wait_ready "$pid" "$port" "$name" 20
    warm=$(run_wrk "$port" "$WARMUP" "$POOLS/warm.pool" "$WORK/$name.warm.txt" pool.lua "$CONNECTIONS")
    rm -f "$POOLS/warm.pool"
    rate=$(field "$warm" rps)
    count=$(awk -v r="$rate" -v d="$DURATION" 'BEGIN { print int(r * d * 2) + 20000 }')
    make_pool "$POOLS/run.pool" "$count"
    cpu0=$(cpu_ticks "$pid")
    result=$(run_wrk "$port" "$DURATION" "$POOLS/run.pool" "$WORK/$name.txt" pool.lua "$CONNECTIONS")
    cpu1=$(cpu_ticks "$pid")
    stop "$pid"
    rm -f "$POOLS/run.pool"
    requests=$(field "$result" requests)
    non2xx=$(field "$result" non2xx)
    duration=$(field "$result" duration_us)
    RESULT[$name]=$(awk -v n="$requests" -v bad="$non2xx" -v d="$duration" -v p50="$(field "$result" p50_us)" \
        -v p99="$(field "$result" p99_us)" -v t="$((cpu1 - cpu0))" -v hz="$TICKS" -v w="$(field "$result" wraps)" \
        -v e="$(( $(field "$result" connect) + $(field "$result" read) + $(field "$result" write) + $(field "$result" timeout) ))" \
        'BEGIN { printf "acked/s=%.0f p50_ms=%.2f p99_ms=%.2f non2xx=%d errors=%d wraps=%d server_cpu=%.0f%%", (n - bad) / (d / 1e6), p50 / 1000, p99 / 1000, bad, e, w, t / hz * 1e8 / d }')
    log "$name: ${RESULT[$name]}"
}

# Ack latency, closed loop at -c$CONNECTIONS, while every handler is a 2 s transaction that
# writes its row first (HANDLER_WRITE_FIRST=1): on SQLite it holds the file's write lock for
# the whole 2 s. tx-sqlite-direct is the same with the intake off (INBOX_SQLITE_INTAKE=0), the
# acknowledgements then written to the inbox's file itself.
bench_tx() {
    local name=$1 url port pid result requests duration intake=1
    [ "$name" = tx-sqlite-direct ] && intake=0
    url=$(inbox_url "$name")
    port=$(free_port)
    make_pool "$POOLS/tx.pool" $((20000 * DURATION + 20000))
    INBOX_URL=$url PORT=$port AUDIT_TRAIL_SECRET=$SECRET RUST_LOG=warn DEAD_LETTER_DIR=$WORK/dead \
        HANDLER_DELAY_MS=$SLOW_HANDLER_MS HANDLER_WRITE_FIRST=1 INBOX_SQLITE_INTAKE=$intake \
        taskset -c "$SERVER_CPU" "$CARGO_TARGET_DIR/release/examples/receiver" >/dev/null 2>"$WORK/$name.log" &
    pid=$!
    PIDS+=("$pid")
    wait_ready "$pid" "$port" "$name" 20
    result=$(run_wrk "$port" "$DURATION" "$POOLS/tx.pool" "$WORK/$name.txt" pool.lua "$CONNECTIONS")
    stop "$pid"
    rm -f "$POOLS/tx.pool"
    requests=$(field "$result" requests)
    duration=$(field "$result" duration_us)
    RESULT[$name]=$(awk -v n="$requests" -v d="$duration" -v p50="$(field "$result" p50_us)" \
        -v p99="$(field "$result" p99_us)" -v max="$(field "$result" max_us)" -v bad="$(field "$result" non2xx)" \
        -v e="$(( $(field "$result" connect) + $(field "$result" read) + $(field "$result" write) + $(field "$result" timeout) ))" \
        'BEGIN { printf "acked/s=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f non2xx=%d errors=%d", (n - bad) / (d / 1e6), p50 / 1000, p99 / 1000, max / 1000, bad, e }')
    log "$name: ${RESULT[$name]}"
}

# Ack latency at a fixed ~1,000/s while every handler takes 2 s.
bench_slow() {
    local name=$1 url port pid result requests duration
    url=$(inbox_url "$name")
    port=$(free_port)
    make_pool "$POOLS/slow.pool" $((1000 * (DURATION + WARMUP) * 2 + 10000))
    INBOX_URL=$url PORT=$port AUDIT_TRAIL_SECRET=$SECRET RUST_LOG=warn DEAD_LETTER_DIR=$WORK/dead \
        HANDLER_DELAY_MS=$SLOW_HANDLER_MS \
        taskset -c "$SERVER_CPU" "$CARGO_TARGET_DIR/release/examples/receiver" >/dev/null 2>"$WORK/$name.log" &
    pid=$!
    PIDS+=("$pid")
    wait_ready "$pid" "$port" "$name" 20
    result=$(run_wrk "$port" "$((DURATION * 2))" "$POOLS/slow.pool" "$WORK/$name.txt" paced.lua "$PACED_CONNECTIONS" "$PACED_DELAY_MS")
    stop "$pid"
    rm -f "$POOLS/slow.pool"
    requests=$(field "$result" requests)
    duration=$(field "$result" duration_us)
    RESULT[$name]=$(awk -v n="$requests" -v d="$duration" -v p50="$(field "$result" p50_us)" \
        -v p99="$(field "$result" p99_us)" -v max="$(field "$result" max_us)" -v bad="$(field "$result" non2xx)" \
        'BEGIN { printf "rate/s=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f non2xx=%d", n / (d / 1e6), p50 / 1000, p99 / 1000, max / 1000, bad }')
    log "$name: ${RESULT[$name]}"
}

# The claim query's latency with $CLAIM_ROWS done rows.
bench_claim() {
    local url db times
    log "claim: filling the tables ($CLAIM_ROWS done rows + 20,000 pending)"
    # The table as the inbox creates it: start and stop a receiver on each database.
    for name in claim-sqlite claim-postgres; do
        url=$(inbox_url "$name")
        local port pid
        port=$(free_port)
        INBOX_URL=$url PORT=$port AUDIT_TRAIL_SECRET=$SECRET RUST_LOG=warn DEAD_LETTER_DIR=$WORK/dead \
            "$CARGO_TARGET_DIR/release/examples/receiver" >/dev/null 2>"$WORK/$name.log" &
        pid=$!
        PIDS+=("$pid")
        wait_ready "$pid" "$port" "$name" 20
        stop "$pid"
    done
    local fill="
        INSERT INTO webhook_inbox (dedup_key, scheme, tenant, delivery_id, event_type, headers, body,
            received_at, state, attempts, run_at, done_at)
        SELECT 'done-' || i, 'audit-trail', NULL, 'done-' || i, 'event.created', '[]', X, 1700000000000 + i,
            'done', 1, 1700000000000 + i, 1700000000000 + i FROM SERIES;
        INSERT INTO webhook_inbox (dedup_key, scheme, tenant, delivery_id, event_type, headers, body,
            received_at, state, attempts, run_at)
        SELECT 'pending-' || i, 'audit-trail', NULL, 'pending-' || i, 'event.created', '[]', X, 1800000000000 + i,
            'pending', 0, 1800000000000 + i FROM PENDING;"
    local claim="UPDATE webhook_inbox SET state = 'running', attempts = attempts + 1, lease_token = \$1, lease_until = \$2 \
WHERE id IN (SELECT id FROM webhook_inbox WHERE state = 'pending' AND run_at <= \$3 ORDER BY run_at, id LIMIT \$4 LOCK) \
RETURNING id, scheme, tenant, delivery_id, event_type, headers, body, received_at, attempts"

    # Postgres: a 1 KiB body per row, like the deliveries.
    db=inbox_claim_postgres
    pg -d "$db" -c "$(sed -e "s/X/decode(repeat('78', 1024), 'hex')/g" \
        -e "s/FROM SERIES/FROM generate_series(1, $CLAIM_ROWS) AS i/" \
        -e "s/FROM PENDING/FROM generate_series(1, 20000) AS i/" <<<"$fill")"
    pg -d "$db" -c "VACUUM ANALYZE webhook_inbox"
    {
        echo "PREPARE claim(bigint, bigint, bigint, bigint) AS ${claim//LOCK/FOR UPDATE SKIP LOCKED};"
        echo '\timing on'
        for i in $(seq 200); do echo "EXECUTE claim($i, 4000000000000, 3000000000000, 32);"; done
    } | pg -d "$db" -o /dev/null | awk '/^Time:/ { print $2 }' >"$WORK/claim-postgres.times"
    RESULT[claim-postgres]=$(claim_stats "$WORK/claim-postgres.times")
    # The statement alone: the same claims in one transaction, rolled back (no commit, no WAL
    # flush), which is what the index and the 1 M done rows cost.
    {
        echo "PREPARE claim(bigint, bigint, bigint, bigint) AS ${claim//LOCK/FOR UPDATE SKIP LOCKED};"
        echo 'BEGIN;'
        echo '\timing on'
        for i in $(seq 200); do echo "EXECUTE claim($i, 4000000000000, 3000000000000, 32);"; done
        echo '\timing off'
        echo 'ROLLBACK;'
    } | pg -d "$db" -o /dev/null | awk '/^Time:/ { print $2 }' >"$WORK/claim-postgres-statement.times"
    RESULT[claim-postgres-statement]=$(claim_stats "$WORK/claim-postgres-statement.times")
    log "claim-postgres: ${RESULT[claim-postgres]}; the statement alone: ${RESULT[claim-postgres-statement]}"

    # SQLite: the same rows and claims, timed around each statement.
    python3 - "$WORK/claim-sqlite.db" "$CLAIM_ROWS" "${claim//LOCK/}" >"$WORK/claim-sqlite.times" \
        2>"$WORK/claim-sqlite-statement.times" <<'PY'
import sqlite3, sys, time
path, rows, claim = sys.argv[1], int(sys.argv[2]), sys.argv[3]
db = sqlite3.connect(path, isolation_level=None)
db.execute("PRAGMA journal_mode=WAL"); db.execute("PRAGMA synchronous=FULL")
body = b"x" * 1024
db.execute("BEGIN")
db.executemany(
    "INSERT INTO webhook_inbox (dedup_key, scheme, tenant, delivery_id, event_type, headers, body, received_at, state, attempts, run_at, done_at) "
    "VALUES (?, 'audit-trail', NULL, ?, 'event.created', '[]', ?, ?, 'done', 1, ?, ?)",
    ((f"done-{i}", f"done-{i}", body, 1700000000000 + i, 1700000000000 + i, 1700000000000 + i) for i in range(rows)))
db.executemany(
    "INSERT INTO webhook_inbox (dedup_key, scheme, tenant, delivery_id, event_type, headers, body, received_at, state, attempts, run_at) "
    "VALUES (?, 'audit-trail', NULL, ?, 'event.created', '[]', ?, ?, 'pending', 0, ?)",
    ((f"pending-{i}", f"pending-{i}", body, 1800000000000 + i, 1800000000000 + i) for i in range(20000)))
db.execute("COMMIT")
db.execute("ANALYZE")
claim = claim.replace("$1", "?1").replace("$2", "?2").replace("$3", "?3").replace("$4", "?4")
for i in range(200):
    start = time.perf_counter()
    got = db.execute(claim, (i, 4000000000000, 3000000000000, 32)).fetchall()
    print(f"{(time.perf_counter() - start) * 1000:.3f}")
    assert len(got) == 32, len(got)
# The statement alone: the same claims in one transaction, rolled back (no commit, no fsync).
db.execute("BEGIN")
for i in range(200):
    start = time.perf_counter()
    got = db.execute(claim, (i, 4000000000000, 3000000000000, 32)).fetchall()
    print(f"{(time.perf_counter() - start) * 1000:.3f}", file=sys.stderr)
db.execute("ROLLBACK")
PY
    RESULT[claim-sqlite]=$(claim_stats "$WORK/claim-sqlite.times")
    RESULT[claim-sqlite-statement]=$(claim_stats "$WORK/claim-sqlite-statement.times")
    log "claim-sqlite: ${RESULT[claim-sqlite]}; the statement alone: ${RESULT[claim-sqlite-statement]}"
}

claim_stats() {
    sort -n "$1" | awk '{ t[NR] = $1 } END {
        if (NR == 0) { print "no timings"; exit }
        p = int(NR * 0.95); if (p < 1) p = 1
        printf "claims=%d p50_ms=%.2f p95_ms=%.2f max_ms=%.2f", NR, t[int((NR + 1) / 2)], t[p], t[NR] }'
}

START=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
if [[ " $CASES " == *postgres* || " $CASES " == *claim* ]]; then start_postgres; fi
for case in $CASES; do
    log "$case"
    case $case in
        sqlite | postgres) bench_throughput "$case" ;;
        slow-sqlite | slow-postgres) bench_slow "$case" ;;
        tx-sqlite | tx-sqlite-direct | tx-postgres) bench_tx "$case" ;;
        claim) bench_claim ;;
        *) die "unknown case $case" ;;
    esac
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

echo
echo "webhook-guard inbox benchmark: ${BODY_SIZE} B signed Audit Trail deliveries, each unique; receiver"
echo "(examples/receiver.rs, release, inbox mode) on core $SERVER_CPU, wrk -t1 on core $CLIENT_CPU;"
echo "$(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average before/after: $LOAD_BEFORE / $LOAD_AFTER"
echo "data in $DATA_DIR ($(df -T "$DATA_DIR" | awk 'NR == 2 { print $2 }')), sqlite $(python3 -c 'import sqlite3; print(sqlite3.sqlite_version)') (python3), $("$PG_BIN/postgres" --version)"
echo
for case in $CASES; do
    case $case in
        sqlite | postgres)
            echo "  $case throughput (-c$CONNECTIONS, ${DURATION} s): ${RESULT[$case]}   target >= 3000/s: $(verdict "$(field "${RESULT[$case]}" acked/s)" 3000 '>=')" ;;
        slow-*)
            echo "  $case ack latency (~1000/s, handlers ${SLOW_HANDLER_MS} ms, $((DURATION * 2)) s): ${RESULT[$case]}   target p99 <= 10 ms: $(verdict "$(field "${RESULT[$case]}" p99_ms)" 10 '<=')" ;;
        tx-*)
            echo "  $case ack latency (-c$CONNECTIONS closed loop, ${SLOW_HANDLER_MS} ms transactional handlers writing first, ${DURATION} s): ${RESULT[$case]}   target p99 <= 20 ms: $(verdict "$(field "${RESULT[$case]}" p99_ms)" 20 '<=')" ;;
        claim)
            for db in claim-postgres claim-sqlite; do
                echo "  $db query ($CLAIM_ROWS done rows, LIMIT 32, committed): ${RESULT[$db]}   target p95 <= 5 ms: $(verdict "$(field "${RESULT[$db]}" p95_ms)" 5 '<=')"
                echo "  $db statement alone (in one transaction, rolled back): ${RESULT[$db-statement]}"
            done ;;
    esac
done
echo "Total time: $(( $(date +%s) - START )) s (after the build)."
