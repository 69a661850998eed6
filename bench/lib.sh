# Shared by bench/load.sh and bench/inbox.sh (sourced): the processes a benchmark starts, the
# ports they listen on, and reading their figures. The sourcing script sets BENCH (its name,
# for messages) and WORK (a scratch directory holding each process's log), and keeps in PIDS
# every process it starts.
# shellcheck shell=bash

die() { echo "$BENCH: $*" >&2; exit 1; }
log() { echo "[$BENCH $(date +%T)] $*" >&2; }

PIDS=()

# Stops every process we started: TERM to all, then each is waited for (KILL after 5 s).
stop_all() {
    local pid
    for pid in "${PIDS[@]+"${PIDS[@]}"}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]+"${PIDS[@]}"}"; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}

# Stops one process we started and forgets it.
stop() {
    local pid=$1 kept=() p
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    for p in "${PIDS[@]}"; do [ "$p" = "$pid" ] || kept+=("$p"); done
    PIDS=("${kept[@]+"${kept[@]}"}")
}

# A loopback port nobody listens on, outside the ephemeral range.
free_port() {
    local port
    for _ in $(seq 200); do
        port=$((20000 + RANDOM % 12000))
        if ! ss -Htln "sport = :$port" | grep -q .; then echo "$port"; return; fi
    done
    die "no free port"
}

# Waits until the server `name` (process `pid`) answers HTTP on `port`, for at most `seconds`
# (default 10); its log is $WORK/<name>.log.
wait_ready() {
    local pid=$1 port=$2 name=$3 seconds=${4:-10}
    for _ in $(seq $((seconds * 20))); do
        kill -0 "$pid" 2>/dev/null || { cat "$WORK/$name.log" >&2; die "$name exited at start"; }
        curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/" && return
        sleep 0.05
    done
    die "$name did not answer within $seconds s"
}

# CPU time (utime + stime, clock ticks) of a process and all its threads.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# The value of `key` in a line of `key=value` words (wrk's RESULT lines).
field() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'; }

# "met" or "MISSED": is `value` `>=` (or `<=`) `target`?
verdict() { awk -v v="$1" -v t="$2" -v dir="$3" 'BEGIN { ok = (dir == ">=") ? (v >= t) : (v <= t); print (ok ? "met" : "MISSED") }'; }
