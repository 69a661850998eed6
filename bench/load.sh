#!/usr/bin/env bash
# End-to-end load test of the receivers, side by side in one run, printed as one table.
#
#   bench/load.sh                          # all seven receivers, ~100 s after the release build
#   RECEIVERS="axum-bare axum-layer" bench/load.sh
#   RECEIVERS="axum-bare axum-nostore axum-mapstore axum-untyped axum-layer" bench/load.sh
#                                          # where the layer's cost goes (diagnostic modes)
#
# Every request is a distinct Audit Trail delivery (1 KiB body, its own id, signed seconds
# before the run): `examples/load_gen.rs` writes a pool of complete pre-signed HTTP requests
# right before each run (to /dev/shm), and `wrk` sends them in order with `bench/wrk/pool.lua`.
# Per receiver: start it on 127.0.0.1 pinned to core $SERVER_CPU, warm up for $WARMUP s with
# its own pool, size the measured pool from the warm-up rate, run `wrk -t1 -c$CONNECTIONS` for
# $DURATION s pinned to core $CLIENT_CPU, read the server's CPU time (/proc/PID/stat utime +
# stime) before and after the measured run and its peak RSS (VmHWM), stop it. redis-server (for
# axum-redis) runs on a free loopback port, on the server's core, for the whole script.
#
# Needs: cargo, wrk (`apt-get install -y wrk`), node + npm (bench/express: `npm ci`, run here if
# node_modules is missing), redis-server, taskset, curl, ss. Everything it starts is stopped on
# exit (trap EXIT), and the pools are deleted.
#
# Environment: RECEIVERS, DURATION (10), WARMUP (2), CONNECTIONS (64), SERVER_CPU (0),
# CLIENT_CPU (1), BODY_SIZE (1024), WARMUP_POOL (deliveries in the warm-up pool, 500000),
# POOL_DIR (/dev/shm), STORE_CAPACITY (MemoryStore keys, 4000000), STORE_PREALLOCATE (1: the
# in-memory stores are sized for their capacity when built; default 0).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BENCH=load.sh
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

RECEIVERS=${RECEIVERS:-"axum-bare axum-handwritten axum-layer axum-redis actix-bare actix-middleware express"}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
CONNECTIONS=${CONNECTIONS:-64}
SERVER_CPU=${SERVER_CPU:-0}
CLIENT_CPU=${CLIENT_CPU:-1}
BODY_SIZE=${BODY_SIZE:-1024}
WARMUP_POOL=${WARMUP_POOL:-500000}
POOL_DIR=${POOL_DIR:-/dev/shm}
STORE_CAPACITY=${STORE_CAPACITY:-4000000}
STORE_PREALLOCATE=${STORE_PREALLOCATE:-0}
SECRET=whsec_abc123def456
TICKS=$(getconf CLK_TCK)


for tool in cargo wrk node taskset curl ss redis-server; do
    command -v "$tool" >/dev/null || die "$tool not found (wrk: apt-get install -y wrk)"
done
[ -d "$POOL_DIR" ] || POOL_DIR=/tmp

WORK=$(mktemp -d "$POOL_DIR/webhook-guard-load.XXXXXX")

cleanup() {
    stop_all
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM



status_kib() { awk -v key="$2:" '$1 == key { print $2 }' "/proc/$1/status"; }


# `wrk` on the client core; prints its RESULT line's fields as `key=value` words.
run_wrk() {
    local port=$1 seconds=$2 pool=$3 out=$4
    local TIMEFORMAT='%U %S %R' times
    { time taskset -c "$CLIENT_CPU" wrk -t1 -c"$CONNECTIONS" -d"${seconds}s" --timeout 5s \
        -s "$ROOT/bench/wrk/pool.lua" "http://127.0.0.1:$port/webhooks/audit-trail" -- "$pool" \
        >"$out" 2>&1 || { cat "$out" >&2; die "wrk failed"; }; } 2>"$out.time"
    # How busy wrk kept its core: near 100 % would mean the client, not the server, is the limit.
    grep -q '^RESULT ' "$out" || { cat "$out" >&2; die "no RESULT from wrk"; }
    times=$(tail -1 "$out.time")
    echo "$(grep '^RESULT ' "$out" | cut -d' ' -f2-) client_busy=$(awk -v t="$times" \
        'BEGIN { split(t, a, " "); printf "%.0f", (a[1] + a[2]) / a[3] * 100 }')"
}


make_pool() {
    # Built on every core while no server is under load; ids distinct per pool and per index.
    BODY_SIZE=$BODY_SIZE AUDIT_TRAIL_SECRET=$SECRET \
        "$ROOT/target/release/examples/load_gen" "$1" "$2" "$3" 2>>"$WORK/load_gen.log"
}

# ---------------------------------------------------------------------------------------------
log "building (release): bench_server, load_gen"
cargo build --release --quiet --features redis --example bench_server --example load_gen
if [ ! -d bench/express/node_modules ]; then
    log "npm ci in bench/express"
    (cd bench/express && npm ci --no-audit --no-fund --silent)
fi

REDIS_PORT=""
REDIS_PID=""
if [[ " $RECEIVERS " == *" axum-redis "* ]]; then
    REDIS_PORT=$(free_port)
    taskset -c "$SERVER_CPU" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" \
        --appendonly no --dir "$WORK" --loglevel warning >"$WORK/redis.log" 2>&1 &
    REDIS_PID=$!
    PIDS+=("$REDIS_PID")
    for _ in $(seq 100); do
        [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] && break
        sleep 0.05
    done
    [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ] || die "redis-server did not start"
    log "redis-server on 127.0.0.1:$REDIS_PORT (pid $REDIS_PID, core $SERVER_CPU)"
fi

declare -A RPS P50 P99 CPU RSS ERR NON2XX WRAPS REQS EXTRA BUSY CLIENT

server_command() {
    case $1 in
        express) echo "node $ROOT/bench/express/server.js" ;;
        *) echo "$ROOT/target/release/examples/bench_server $1" ;;
    esac
}

bench_one() {
    local name=$1 port pid warm result rate count cpu0 cpu1 r0=0 r1=0
    port=$(free_port)
    make_pool "$WORK/warm.pool" "$WARMUP_POOL" 0
    # shellcheck disable=SC2046
    PORT=$port AUDIT_TRAIL_SECRET=$SECRET STORE_CAPACITY=$STORE_CAPACITY \
        STORE_PREALLOCATE=$STORE_PREALLOCATE REDIS_URL="redis://127.0.0.1:$REDIS_PORT/" \
        taskset -c "$SERVER_CPU" $(server_command "$name") >"$WORK/$name.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    wait_ready "$pid" "$port" "$name"

    warm=$(run_wrk "$port" "$WARMUP" "$WORK/warm.pool" "$WORK/$name.warm.txt")
    rm -f "$WORK/warm.pool"
    rate=$(field "$warm" rps)
    # Enough fresh deliveries for the measured run at twice the warm-up rate.
    count=$(awk -v r="$rate" -v d="$DURATION" 'BEGIN { c = int(r * d * 2) + 50000; print c }')
    make_pool "$WORK/run.pool" "$count" 1000000000

    cpu0=$(cpu_ticks "$pid")
    [ -n "$REDIS_PID" ] && [ "$name" = axum-redis ] && r0=$(cpu_ticks "$REDIS_PID")
    result=$(run_wrk "$port" "$DURATION" "$WORK/run.pool" "$WORK/$name.txt")
    cpu1=$(cpu_ticks "$pid")
    [ -n "$REDIS_PID" ] && [ "$name" = axum-redis ] && r1=$(cpu_ticks "$REDIS_PID")
    RSS[$name]=$(status_kib "$pid" VmHWM)
    stop "$pid"
    rm -f "$WORK/run.pool"

    REQS[$name]=$(field "$result" requests)
    RPS[$name]=$(field "$result" rps)
    P50[$name]=$(field "$result" p50_us)
    P99[$name]=$(field "$result" p99_us)
    ERR[$name]=$(( $(field "$result" connect) + $(field "$result" read) + $(field "$result" write) + $(field "$result" timeout) ))
    NON2XX[$name]=$(field "$result" non2xx)
    WRAPS[$name]=$(field "$result" wraps)
    BUSY[$name]=$(awk -v t="$((cpu1 - cpu0))" -v hz="$TICKS" -v d="$(field "$result" duration_us)" 'BEGIN { printf "%.0f", t / hz * 1e8 / d }')
    CLIENT[$name]=$(field "$result" client_busy)
    CPU[$name]=$(awk -v t="$((cpu1 - cpu0))" -v hz="$TICKS" -v n="${REQS[$name]}" 'BEGIN { printf "%.2f", t / hz * 1e6 / n }')
    if [ "$name" = axum-redis ]; then
        EXTRA[$name]=$(awk -v t="$((r1 - r0))" -v hz="$TICKS" -v n="${REQS[$name]}" 'BEGIN { printf "%.2f", t / hz * 1e6 / n }')
    fi
    log "$name: ${RPS[$name]} req/s, p99 ${P99[$name]} µs, ${CPU[$name]} µs CPU/req (pool $count, warm-up ${rate} req/s)"
}

START=$(date +%s)
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
for name in $RECEIVERS; do
    case $name in
        axum-bare | axum-handwritten | axum-layer | axum-redis | actix-bare | actix-middleware | express) ;;
        axum-untyped | axum-nostore | axum-mapstore | axum-compact) ;; # diagnostics (examples/bench_server.rs)
        *) die "unknown receiver $name" ;;
    esac
    log "$name"
    bench_one "$name"
done
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

# ---------------------------------------------------------------------------------------------
baseline() {
    case $1 in
        actix-*) echo actix-bare ;;
        *) echo axum-bare ;;
    esac
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
has() { [ -n "${RPS[$1]:-}" ]; }

echo
echo "webhook-guard end-to-end load: ${BODY_SIZE} B signed Audit Trail deliveries, each unique;"
echo "server on core $SERVER_CPU (one thread), wrk -t1 -c$CONNECTIONS on core $CLIENT_CPU, ${DURATION} s after a ${WARMUP} s warm-up;"
echo "$(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average before/after: $LOAD_BEFORE / $LOAD_AFTER"
echo
printf '| %-17s | %9s | %5s | %8s | %8s | %5s | %11s | %8s | %9s | %6s | %7s | %5s | %9s |\n' \
    receiver 'req/s' 'xbase' 'p50 ms' 'p99 ms' 'p99 x' 'CPU us/req' '+us/req' 'peak RSS' errors 'non-2xx' wraps 'busy s/c'
printf '|%s|\n' '-------------------|-----------|-------|----------|----------|-------|-------------|----------|-----------|--------|---------|-------|-----------'
for name in $RECEIVERS; do
    has "$name" || continue
    base=$(baseline "$name")
    if has "$base"; then
        x=$(ratio "${RPS[$name]}" "${RPS[$base]}")
        p99x=$(ratio "${P99[$name]}" "${P99[$base]}")
        plus=$(awk -v a="${CPU[$name]}" -v b="${CPU[$base]}" 'BEGIN { printf "%+.2f", a - b }')
    else
        x=-; p99x=-; plus=-
    fi
    label=$name
    [ "$name" = express ] && label="express (node)"
    printf '| %-17s | %9.0f | %5s | %8.2f | %8.2f | %5s | %11s | %8s | %5d MiB | %6s | %7s | %5s | %9s |\n' \
        "$label" "${RPS[$name]}" "$x" "$(awk -v u="${P50[$name]}" 'BEGIN{print u/1000}')" \
        "$(awk -v u="${P99[$name]}" 'BEGIN{print u/1000}')" "$p99x" "${CPU[$name]}" "$plus" \
        "$(( ${RSS[$name]} / 1024 ))" "${ERR[$name]}" "${NON2XX[$name]}" "${WRAPS[$name]}" \
        "${BUSY[$name]}%/${CLIENT[$name]}%"
done
echo
echo "xbase, p99 x, +us/req: against axum-bare (actix-* against actix-bare; express against axum-bare)."
echo "CPU us/req: server process CPU time (all threads) / requests; busy s/c: server / wrk CPU time over"
echo "the run (a server near 100 % is the limit; wrk near 100 % would mean the client is)."
if has axum-redis; then
    echo "axum-redis: CPU us/req is the axum process only; redis-server (same core) used ${EXTRA[axum-redis]} us/req more."
fi
echo

if has axum-handwritten; then
    echo "Against the hand-written HMAC + moka receiver (axum-handwritten, the same run; issue 27's targets):"
    for name in $RECEIVERS; do
        case $name in axum-bare | axum-handwritten | actix-* | express) continue ;; esac
        has "$name" || continue
        r=$(ratio "${RPS[$name]}" "${RPS[axum-handwritten]}"); p=$(ratio "${P99[$name]}" "${P99[axum-handwritten]}")
        printf '  %-17s req/s %sx the hand-written (target >= 1.15: %s)   p99 %sx (target <= 1: %s)\n' \
            "$name" "$r" "$(verdict "$r" 1.15 '>=')" "$p" "$(verdict "$p" 1 '<=')"
    done
    echo
fi

echo "Targets (issue 8) and floors (PERF-FLOORS.md: with moka the best reachable is ~0.76 of bare req/s):"
for pair in "axum-layer axum-bare" "actix-middleware actix-bare" "axum-redis axum-bare"; do
    set -- $pair
    has "$1" && has "$2" || continue
    r=$(ratio "${RPS[$1]}" "${RPS[$2]}"); p=$(ratio "${P99[$1]}" "${P99[$2]}")
    printf '  %-17s req/s %s of %s (target >= 0.90: %s; floor ~0.76)   p99 %sx (target <= 1.2x: %s)\n' \
        "$1" "$r" "$2" "$(verdict "$r" 0.90 '>=')" "$p" "$(verdict "$p" 1.2 '<=')"
done
if has axum-layer && has express; then
    r=$(ratio "${RPS[axum-layer]}" "${RPS[express]}")
    printf '  axum-layer vs express: %sx the req/s (target >= 5x: %s)\n' "$r" "$(verdict "$r" 5 '>=')"
fi
if has actix-middleware && has express; then
    r=$(ratio "${RPS[actix-middleware]}" "${RPS[express]}")
    printf '  actix-middleware vs express: %sx the req/s (target >= 5x: %s)\n' "$r" "$(verdict "$r" 5 '>=')"
fi
for name in $RECEIVERS; do
    if has "$name" && [ "${WRAPS[$name]}" != 0 ]; then
        echo "  WARNING: $name ran past its pool (${WRAPS[$name]} wraps): some requests were duplicates"
    fi
    if has "$name" && [ "${NON2XX[$name]}" != 0 ]; then
        echo "  WARNING: $name answered ${NON2XX[$name]} non-2xx (log: kept only while the script runs)"
    fi
done
echo "Total time: $(( $(date +%s) - START )) s (after the build)."
