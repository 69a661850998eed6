#!/usr/bin/env bash
# Instructions per request, under valgrind's callgrind: stable from run to run (it counts, it
# does not time), so one run compares receivers without the noise of a shared machine.
#
#   bench/instructions.sh                              # every mode below, ~2 min after the build
#   MODES="axum-bare axum-layer" bench/instructions.sh
#   KEEP=/tmp/dumps bench/instructions.sh             # keep the callgrind dumps (callgrind_annotate)
#   EVENT_TYPE=audit_event.created bench/instructions.sh   # deliveries of a type the models do
#                                                      # not know (the `Unknown` path)
#   BODY=realistic bench/instructions.sh               # a body of many short string fields
#                                                      # (examples/load_gen.rs), not one padding
#
# Per mode: start `bench_server <mode>` (release build) under callgrind, send $WARMUP distinct
# signed 1 KiB Audit Trail deliveries over one keep-alive connection, zero the counters
# (`callgrind_control -z`), send $REQUESTS more, dump (`-d`), and divide. The
# SHA-256 compression function runs in software under valgrind (no SHA-NI: about 70x its
# native cost), so its share is counted apart (functions whose name holds `sha2::` or
# `sha256`), and the `non-SHA` column is the one to compare with native costs.
#
# Prints one table: mode, instructions/request, SHA share, non-SHA, non-SHA vs the bare
# receiver of the same framework. Needs valgrind (apt-get install -y valgrind) and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

MODES=${MODES:-"axum-bare axum-layer axum-compact axum-nostore actix-bare actix-middleware"}
WARMUP=${WARMUP:-300}
REQUESTS=${REQUESTS:-2000}
SECRET=whsec_abc123def456

for tool in valgrind callgrind_control callgrind_annotate python3 cargo; do
    command -v "$tool" >/dev/null || { echo "instructions.sh: $tool not found" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/webhook-guard-instructions.XXXXXX)
SERVER=""
cleanup() {
    [ -n "$SERVER" ] && kill -KILL "$SERVER" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "[instructions.sh] building (release): bench_server, load_gen" >&2
cargo build --release --quiet --example bench_server --example load_gen
# Valgrind's own CPU model: no SHA-NI, so say so once in the output.
EVENT_TYPE=${EVENT_TYPE:-} AUDIT_TRAIL_SECRET=$SECRET target/release/examples/load_gen "$WORK/pool" $((WARMUP + REQUESTS)) \
    2>/dev/null

# Sends records [from, to) of the pool over one keep-alive connection; fails on a non-2xx.
send() {
    python3 - "$WORK/pool" "$1" "$2" "$3" <<'PY'
import socket, sys
pool, port, start, end = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
with open(pool, "rb") as f:
    size = int(f.readline())
    offset = f.tell()
    conn = socket.create_connection(("127.0.0.1", port), timeout=120)
    buf = b""
    for i in range(start, end):
        f.seek(offset + i * size)
        conn.sendall(f.read(size))
        while b"\r\n\r\n" not in buf:
            chunk = conn.recv(65536)
            if not chunk:
                sys.exit("connection closed")
            buf += chunk
        head, _, buf = buf.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(buf) < length:
            buf += conn.recv(65536)
        buf = buf[length:]
        if not 200 <= status < 300:
            sys.exit(f"request {i}: status {status}")
PY
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

printf '| mode | instructions/request | SHA-256 (software under valgrind) | non-SHA | non-SHA vs bare |\n'
printf '|---|---:|---:|---:|---:|\n'
declare -A BARE
for mode in $MODES; do
    port=$(free_port)
    out="$WORK/callgrind.$mode"
    PORT=$port AUDIT_TRAIL_SECRET=$SECRET valgrind --tool=callgrind \
        --callgrind-out-file="$out.%p" target/release/examples/bench_server "$mode" \
        >"$WORK/$mode.log" 2>&1 &
    SERVER=$!
    for _ in $(seq 300); do
        python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), timeout=1)" \
            2>/dev/null && break
        sleep 0.1
    done
    send "$port" 0 "$WARMUP"
    callgrind_control -z "$SERVER" >/dev/null
    send "$port" "$WARMUP" $((WARMUP + REQUESTS))
    callgrind_control -d "$SERVER" >/dev/null
    kill -KILL "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
    SERVER=""
    sleep 1
    dump=$(ls -t "$out".*.* 2>/dev/null | head -1)
    [ -n "$dump" ] || { cat "$WORK/$mode.log" >&2; echo "instructions.sh: no dump for $mode" >&2; exit 1; }
    [ -n "${KEEP:-}" ] && mkdir -p "$KEEP" && cp "$dump" "$KEEP/callgrind.$mode"
    total=$(callgrind_annotate --inclusive=no "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }')
    sha=$(callgrind_annotate --inclusive=no --threshold=100 "$dump" 2>/dev/null \
        | awk 'tolower($0) ~ /sha2::|sha256/ { gsub(",", "", $1); s += $1 } END { print s + 0 }')
    per=$((total / REQUESTS)); sha_per=$((sha / REQUESTS)); rest=$((per - sha_per))
    family=${mode%%-*}
    [ -z "${BARE[$family]:-}" ] && [[ $mode == *-bare ]] && BARE[$family]=$rest
    ratio=$(python3 -c "b=${BARE[$family]:-0}; print(f'{$rest/b:.2f}x' if b else 'n/a')")
    printf '| %s | %s | %s | %s | %s |\n' "$mode" "$per" "$sha_per" "$rest" "$ratio"
done
echo "($REQUESTS requests per mode after $WARMUP warm-up ones, one keep-alive connection; event type ${EVENT_TYPE:-event.created}; body ${BODY:-padded}; $(nproc) cores, $(uname -m))"
