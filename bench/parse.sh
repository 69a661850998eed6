#!/usr/bin/env bash
# Instructions per typed parse (`AuditTrailEvent::from_slice`, `PaloEvent::from_slice`), under
# valgrind's callgrind: it counts, so one run is stable on a shared machine.
#
#   bench/parse.sh                  # every body: the 1 KiB deliveries and each spec sample
#   N=5000 bench/parse.sh audit-trail-1KiB
#
# Builds bench/parse (a crate of its own: the library and serde_json only, release), then per
# body runs it under callgrind collecting only inside its never-inlined `parse_*` functions
# (`--toggle-collect`), N parses, and prints the instructions per parse. Needs valgrind.
set -euo pipefail
cd "$(dirname "$0")/parse"
N=${N:-2000}
command -v valgrind >/dev/null || { echo "parse.sh: valgrind not found" >&2; exit 1; }
cargo build --release --quiet
BIN=${CARGO_TARGET_DIR:-target}/release/webhook-guard-parse-bench
WORK=$(mktemp -d /tmp/webhook-guard-parse.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
BODIES=${*:-$("$BIN" list | cut -d' ' -f1)}
printf '%-34s %6s %12s\n' body bytes instr/parse
for body in $BODIES; do
    bytes=$("$BIN" list | awk -v b="$body" '$1 == b { print $2 }')
    valgrind --tool=callgrind --callgrind-out-file="$WORK/out" \
        --toggle-collect='*parse_audit_trail*' --toggle-collect='*parse_palo*' \
        "$BIN" "$body" "$N" 2>/dev/null
    total=$(awk '/^(summary|totals):/ { print $2; exit }' "$WORK/out")
    printf '%-34s %6s %12d\n' "$body" "$bytes" $((total / N))
done
