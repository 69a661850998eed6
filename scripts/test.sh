#!/usr/bin/env bash
# The whole test suite. Installs what the tests need when it is missing (Debian, as root):
# redis-server for the Redis store's tests, python3 for the cross-implementation HMAC vectors.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "scripts/test.sh: installing ${need_apt[*]}" >&2
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

cargo test --all-features "$@"
