#!/usr/bin/env bash
# Instructions per body walk (`scan` and the SIMD JSON candidates), under valgrind's
# callgrind: it counts, so one run is stable on a shared machine.
#
#   bench/scan.sh                                     # every walker on every body
#   WALKERS="walk sonic-rs-serde" BODIES=realistic-known-1KiB N=5000 bench/scan.sh
#
# Builds bench/scan (a crate of its own: the library's walk compiled from src/scan.rs,
# serde_json, sonic-rs, simd-json, simdutf8; release), checks that every walker judges the
# bodies and the hostile ones as the walk does (`check`), then per walker and body runs it
# under callgrind collecting only inside the never-inlined `measured` (`--toggle-collect`), N
# walks (N/16 at 64 KiB), and prints instructions per walk. Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/scan"
N=${N:-2000}
command -v valgrind >/dev/null || { echo "scan.sh: valgrind not found" >&2; exit 1; }
cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-target}/release/webhook-guard-scan-bench
WORK=$(mktemp -d /tmp/webhook-guard-scan.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
"$BIN" check >&2
WALKERS=${WALKERS:-$("$BIN" list | awk '$1 == "walker" { print $2 }')}
BODIES=${BODIES:-$("$BIN" list | awk '$1 == "body" { print $2 }')}
printf '| walker |'; for body in $BODIES; do printf ' %s |' "$body"; done; printf '\n|---|'
for body in $BODIES; do printf -- '---:|'; done; printf '\n'
for walker in $WALKERS; do
    printf '| %s |' "$walker"
    for body in $BODIES; do
        n=$N; [[ $body == *64KiB ]] && n=$((N / 16))
        valgrind --tool=callgrind --callgrind-out-file="$WORK/out" --toggle-collect='*measured*' \
            "$BIN" "$walker" "$body" "$n" >/dev/null 2>&1
        total=$(awk '/^(summary|totals):/ { print $2; exit }' "$WORK/out")
        printf ' %d |' $((total / n))
    done
    printf '\n'
done
echo "(instructions per walk, callgrind; $(uname -m); valgrind's CPU model: $(grep -o -m1 -w avx2 /proc/cpuinfo || echo no-avx2) on the host)"
