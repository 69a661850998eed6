#!/usr/bin/env bash
# Instructions per replay-store operation, under valgrind's callgrind (it counts, it does not
# time: stable from run to run, so a busy machine does not matter).
#
#   bench/store_instructions.sh                      # every variant, ~1 min after the build
#   VARIANTS="key memory-store" bench/store_instructions.sh
#
# Runs `benches/store.rs` with WEBHOOK_GUARD_INSTRUCTIONS=<variant>: 100,000 operations warm
# the code and the store up, then 100,000 more are counted, in the `measured_*` function alone
# (`--toggle-collect`). Variants:
#   ids            building the `ReplayKey` of an Audit Trail id (`whd_` + 24 hex digits)
#   key            that, and its keyed hash (`KeyHasher`): the in-memory stores' key
#   digest         that, and its SHA-256 digest (software SHA-256 under valgrind: no SHA-NI)
#   memory-store   that, and a fresh claim + complete on a `MemoryStore` (key derivation inside)
#   compact-store  the same on a `CompactStore`
# Subtract `ids` from the others for the cost of the key or the store alone.
set -euo pipefail
cd "$(dirname "$0")/.."

VARIANTS=${VARIANTS:-"ids key digest memory-store compact-store"}
N=100000

command -v valgrind >/dev/null || { echo "store_instructions.sh: valgrind not found" >&2; exit 1; }

echo "[store_instructions.sh] building the store bench (release)" >&2
bench=$(cargo bench --bench store --no-run --message-format=json 2>/dev/null \
    | python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "store" and m.get("executable"):
        print(m["executable"])')
[ -x "$bench" ] || { echo "store_instructions.sh: no bench executable" >&2; exit 1; }

WORK=$(mktemp -d /tmp/webhook-guard-store-instructions.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

printf '| variant | instructions per operation |\n|---|---:|\n'
for variant in $VARIANTS; do
    WEBHOOK_GUARD_INSTRUCTIONS=$variant valgrind --tool=callgrind --toggle-collect='*measured_*' \
        --callgrind-out-file="$WORK/$variant.out" "$bench" >"$WORK/$variant.log" 2>&1 \
        || { cat "$WORK/$variant.log" >&2; exit 1; }
    total=$(sed -n 's/^==[0-9]*== Collected : \([0-9]*\)$/\1/p' "$WORK/$variant.log")
    printf '| %s | %s |\n' "$variant" "$((total / N))"
done
echo "($N operations counted per variant after as many warm-up ones; $(nproc) cores, $(uname -m))"
