#!/usr/bin/env bash
# The whole test suite. Installs what the tests need when it is missing (Debian, as root):
# redis-server for the Redis store's tests, postgresql for the inbox's (tests/inbox.rs and
# tests/inbox_crash.rs start throwaway clusters with its binaries, /usr/lib/postgresql/*/bin),
# python3 for the cross-implementation HMAC vectors, chromium and chromium-driver for the
# operator console's browser test (tests/admin.rs), and for the cross-SDK tests (tests/sdk.rs)
# node, npm and the providers' own SDKs, pinned in tests/sdk/requirements.txt (pip) and
# tests/sdk/package.json + package-lock.json (npm), and Express for examples/express_app.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need_apt+=(postgresql)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3 python3-pip)
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
# Headless Chromium and its WebDriver, for the console's browser test (tests/admin.rs).
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need_apt+=(chromium-driver)
if [ ${#need_apt[@]} -gt 0 ]; then
    echo "scripts/test.sh: installing ${need_apt[*]}" >&2
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# The providers' SDKs, for tests/sdk.rs.
if ! python3 -c "import standardwebhooks, stripe, slack_sdk, twilio, square, paddle_billing, nacl, cryptography, svix, openai, replicate, razorpay, coinbase_commerce" >/dev/null 2>&1; then
    echo "scripts/test.sh: installing the Python SDKs (tests/sdk/requirements.txt)" >&2
    python3 -m pip install --quiet --disable-pip-version-check -r tests/sdk/requirements.txt \
        || python3 -m pip install --quiet --disable-pip-version-check --break-system-packages \
            -r tests/sdk/requirements.txt
fi
if [ ! -f tests/sdk/node_modules/@octokit/webhooks-methods/package.json ]; then
    echo "scripts/test.sh: installing @octokit/webhooks-methods (tests/sdk/package-lock.json)" >&2
    npm ci --prefix tests/sdk --no-audit --no-fund --silent
fi
# Express, for the Express app behind `webhook-guard serve` (cli/tests/express.rs).
if [ ! -f examples/express_app/node_modules/express/package.json ]; then
    echo "scripts/test.sh: installing Express (examples/express_app/package-lock.json)" >&2
    npm ci --prefix examples/express_app --no-audit --no-fund --silent
fi

# The workspace: the library and its command line (cli/).
cargo test --workspace --all-features "$@"
